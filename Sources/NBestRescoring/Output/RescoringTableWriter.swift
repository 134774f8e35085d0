import Foundation
import FileIO
import NCECore

/// Streams the Kaldi-layout cost tables of one table directory, utterance by utterance,
/// through `AtomicFileStream`s:
///
/// - `<directory>/lmwt.rnn`: `key rnn-cost` for every hypothesis (RNN cost incl. `</s>`),
///   kept only when every hypothesis had an RNN cost and there was at least one;
/// - `<directory>/lmwt.interp.<w>` for each RNN weight: `key interpolated-cost`
///   (`nolm + w*rnn + (1-w)*lmonly`, or `nolm +` the linear mix; see `ScoreCombination`),
///   written even when empty.
///
/// Nothing appears under a final name before `commit()`; `close()` completes the temporary
/// files and releases their descriptors and buffers, so that the tables of many directories
/// can be written one after another and all renamed at the end. Costs are printed with
/// 6 decimals. Memory: one buffer per open file (64 KB), independent of the input size.
public final class RescoringTableWriter {
  public let directory: String
  public let rnnWeights: WeightGrid
  public let interpolation: LMInterpolation
  private let rnnTable: AtomicFileStream
  private let interpTables: [AtomicFileStream]
  private var hasRNN = true
  private var rnnLines = 0

  /// Creates the temporary files in `directory`.
  public init(directory: String, rnnWeights: WeightGrid, interpolation: LMInterpolation) throws {
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    self.directory = directory
    self.rnnWeights = rnnWeights
    self.interpolation = interpolation
    rnnTable = try AtomicFileStream(path: path("lmwt.rnn"))
    interpTables = try rnnWeights.labels.map { try AtomicFileStream(path: path("lmwt.interp.\($0)")) }
  }

  /// Appends the cost lines of every hypothesis of `list`. Throws if a needed cost is missing.
  public func addCosts(of list: NBestList) throws {
    for (index, hypothesis) in list.hypotheses.enumerated() {
      let key = list.key(of: index)
      if let rnn = hypothesis.rnnCost {
        try rnnTable.write("\(key) \(Self.format(rnn))\n")
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

  /// Completes the temporary files (flush, fsync, close) without renaming them.
  public func close() throws {
    if hasRNN && rnnLines > 0 { try rnnTable.close() } else { rnnTable.discard() }
    for table in interpTables { try table.close() }
  }

  /// Renames the tables to their final names (`lmwt.rnn` only when complete and non-empty).
  public func commit() throws {
    try close()
    if hasRNN && rnnLines > 0 { try rnnTable.commit() }
    for table in interpTables { try table.commit() }
  }

  /// A cost with 6 decimals (`inf` for an impossible path).
  static func format(_ cost: Double) -> String {
    cost.isFinite ? String(format: "%.6f", cost) : "inf"
  }
}
