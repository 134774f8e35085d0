import Foundation
import FileIO
import NCECore
import WERScoring

/// The outcome of a `WeightSweep`: a `WERSummary` per setting and the best setting (its
/// selected hypotheses come from `WeightSweep.forEachSelectedLine(setting: bestIndex)`).
public struct WeightSweepReport: Sendable {
  /// Settings in grid order (RNN weight, then LMWT, then wip).
  public let settings: [SweepSetting]
  /// Kaldi totals per setting (empty summaries when there was no reference).
  public let summaries: [WERSummary]
  /// Index of the setting with the fewest errors (first in grid order on ties).
  public let bestIndex: Int
  /// Whether a reference was given (otherwise there are no WERs).
  public let scored: Bool

  public var bestSetting: SweepSetting { settings[bestIndex] }
  public var bestSummary: WERSummary { summaries[bestIndex] }

  /// `%WER 37.33 [ 807 / 2162, 192 ins, 60 del, 555 sub ] <prefix>wer_9.5_0_rnn0`: the first
  /// line of compute-wer's output followed by the setting's name, as `best_wer.sh` prints.
  public func werLine(_ index: Int, prefix: String = "") -> String {
    let first = summaries[index].kaldiReport().split(separator: "\n", maxSplits: 1).first ?? ""
    return "\(first) \(prefix)\(settings[index].werName)"
  }

  /// One `werLine` per setting, newline-terminated.
  public func werLines(prefix: String = "") -> String {
    settings.indices.map { werLine($0, prefix: prefix) + "\n" }.joined()
  }

  /// The best setting's line (`best_wer.sh`), newline-terminated.
  public func bestWERLine(prefix: String = "") -> String { werLine(bestIndex, prefix: prefix) + "\n" }

  /// Writes compute-wer's three lines for every setting to `<directory>/<werName>`, as
  /// Kaldi's `score_kaldi.sh` writes `wer_<LMWT>_<WIP>` files (atomically).
  public func writeWERFiles(directory: String) throws {
    for (setting, summary) in zip(settings, summaries) {
      try AtomicFileWriter.write(
        text: summary.kaldiReport(), to: (directory as NSString).appendingPathComponent(setting.werName))
    }
  }
}
