import Foundation
import NCECore

/// Collects the Kaldi-layout outputs of rescoring, one utterance at a time, and writes them
/// atomically (temporary file + rename) at the end:
///
/// - `<archive>/lmwt.rnn`: `key rnn-cost` for every hypothesis (RNN cost incl. `</s>`), written
///   when the hypotheses have RNN costs;
/// - `<archive>/lmwt.interp.<w>` for each RNN weight: `key interpolated-cost`
///   (`nolm + w*rnn + (1-w)*lmonly`, or `nolm +` the linear mix; see `ScoreCombination`);
/// - a Kaldi `text` of the selected hypotheses, `utt-id w1 w2 ...`.
///
/// Costs are printed with 6 decimals. Memory: the output text, one line per hypothesis.
public struct RescoringOutputs: Sendable {
  public let rnnWeights: WeightGrid
  public let interpolation: LMInterpolation
  private var rnnTable = ""
  private var hasRNN = true
  private var interpTables: [String]
  private var bestText = ""

  public init(rnnWeights: WeightGrid, interpolation: LMInterpolation) {
    self.rnnWeights = rnnWeights
    self.interpolation = interpolation
    interpTables = Array(repeating: "", count: rnnWeights.values.count)
  }

  /// Adds the cost lines of every hypothesis of `list`. Throws if a needed cost is missing.
  public mutating func addCosts(of list: NBestList) throws {
    for (index, hypothesis) in list.hypotheses.enumerated() {
      let key = list.key(of: index)
      if let rnn = hypothesis.rnnCost {
        rnnTable += "\(key) \(Self.format(rnn))\n"
      } else {
        hasRNN = false
      }
      for (slot, w) in rnnWeights.values.enumerated() {
        let cost = try ScoreCombination.interpolatedCost(
          hypothesis, utteranceID: list.utteranceID, rnnWeight: w, interpolation: interpolation)
        interpTables[slot] += "\(key) \(Self.format(cost))\n"
      }
    }
  }

  /// Adds the selected hypothesis of an utterance to the text output.
  public mutating func addBest(utteranceID: String, words: [String]) {
    bestText += ([utteranceID] + words).joined(separator: " ") + "\n"
  }

  /// The Kaldi text of the best hypotheses added so far.
  public var bestHypothesesText: String { bestText }

  /// Writes `lmwt.rnn` (if every hypothesis had an RNN cost) and `lmwt.interp.<w>` into
  /// `archiveDirectory`, when it is non-nil, and the best text to `textPath`, when non-nil.
  public func write(archiveDirectory: String?, textPath: String?) throws {
    if let archiveDirectory {
      func path(_ name: String) -> String { (archiveDirectory as NSString).appendingPathComponent(name) }
      if hasRNN && !rnnTable.isEmpty { try AtomicFileWriter.write(text: rnnTable, to: path("lmwt.rnn")) }
      for (label, table) in zip(rnnWeights.labels, interpTables) {
        try AtomicFileWriter.write(text: table, to: path("lmwt.interp.\(label)"))
      }
    }
    if let textPath { try AtomicFileWriter.write(text: bestText, to: textPath) }
  }

  /// A cost with 6 decimals (`inf` for an impossible path).
  static func format(_ cost: Double) -> String {
    cost.isFinite ? String(format: "%.6f", cost) : "inf"
  }
}
