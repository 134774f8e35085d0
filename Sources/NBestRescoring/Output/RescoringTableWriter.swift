import FileIO
import Foundation
import NCECore

/// Streams the Kaldi-layout cost tables of one table directory, utterance by utterance, into
/// files staged in a run's `StagedOutputs`:
///
/// - `<directory>/lmwt.rnn`: `key rnn-cost` for every hypothesis (RNN cost incl. `</s>`),
///   kept only when `writesRNNTable`, every hypothesis had an RNN cost and there was at least
///   one (otherwise withdrawn from the staged outputs by `close()`);
/// - `<directory>/lmwt.interp.<w>` for each RNN weight: `key interpolated-cost`
///   (`nolm + w*rnn + (1-w)*lmonly`, or `nolm +` the linear mix; see `ScoreCombination`),
///   written even when empty.
///
/// Nothing appears under a final name before the run's `StagedOutputs.publish()`; `close()`
/// completes the temporary files and releases their descriptors and buffers, so that the
/// tables of many directories can be written one after another. Costs are printed with
/// 6 decimals. Memory: one buffer per open file (64 KB), independent of the input size.
public final class RescoringTableWriter {
  public let directory: String
  public let rnnWeights: WeightGrid
  public let interpolation: LMInterpolation
  private let outputs: StagedOutputs
  private let rnnTable: AtomicFileStream?
  private let interpTables: [AtomicFileStream]
  private var hasRNN = true
  private var rnnLines = 0

  /// The file names a writer stages in its directory (`lmwt.rnn` first when `writesRNNTable`).
  public static func fileNames(rnnWeights: WeightGrid, writesRNNTable: Bool = true) -> [String] {
    (writesRNNTable ? ["lmwt.rnn"] : []) + rnnWeights.labels.map { "lmwt.interp.\($0)" }
  }

  /// Stages the tables of `directory` in `outputs`. `writesRNNTable: false` leaves `lmwt.rnn`
  /// alone (when it is the input the RNN costs are read from).
  public init(
    directory: String, rnnWeights: WeightGrid, interpolation: LMInterpolation, outputs: StagedOutputs,
    writesRNNTable: Bool = true
  ) throws {
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    self.directory = directory
    self.rnnWeights = rnnWeights
    self.interpolation = interpolation
    self.outputs = outputs
    rnnTable = writesRNNTable ? try outputs.stream(for: path("lmwt.rnn")) : nil
    interpTables = try rnnWeights.labels.map { try outputs.stream(for: path("lmwt.interp.\($0)")) }
  }

  /// Appends the cost lines of every hypothesis of `list`. Throws if a needed cost is missing.
  public func addCosts(of list: NBestList) throws {
    for (index, hypothesis) in list.hypotheses.enumerated() {
      let key = list.key(of: index)
      if let rnn = hypothesis.rnnCost {
        try rnnTable?.write("\(key) \(Self.format(rnn))\n")
        rnnLines += 1
      } else {
        hasRNN = false
      }
      for (slot, w) in rnnWeights.values.enumerated() {
        let cost = try ScoreCombination.interpolatedCost(
          hypothesis, utteranceID: list.utteranceID, rnnWeight: w, interpolation: interpolation)
        try interpTables[slot].write("\(key) \(Self.format(cost))\n")
      }
    }
  }

  /// Completes the staged files (flush, close) and withdraws an incomplete or empty `lmwt.rnn`.
  public func close() throws {
    if let rnnTable {
      if hasRNN && rnnLines > 0 { try rnnTable.close(sync: false) } else { outputs.withdraw(rnnTable.path) }
    }
    for table in interpTables { try table.close(sync: false) }
  }

  /// A cost with 6 decimals (`inf` for an impossible path).
  static func format(_ cost: Double) -> String {
    cost.isFinite ? String(format: "%.6f", cost) : "inf"
  }
}
