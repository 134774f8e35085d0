import FileIO
import Foundation
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

  /// What `rescore-nbest --ref` prints on stdout: every setting's `werLine` in grid order, the
  /// `summaryLines`, then the best setting's line again, last. Only the `werLine`s contain
  /// `WER` followed by a number, so `grep WER | utils/best_wer.sh`, `grep %WER` and `tail -1`
  /// see what they saw before the summary existed.
  public func standardOutput(prefix: String = "") -> String {
    werLines(prefix: prefix) + summaryLines(prefix: prefix) + bestWERLine(prefix: prefix)
  }

  /// A short summary, lines starting with `#`: for each RNN weight in grid order, its best
  /// setting (fewest errors, first in grid order on ties), as
  /// `# best at rnn-weight 0.5: 32.93 [ 712 / 2162 ] <prefix>wer_11_0.5_rnn0.5`; then the best
  /// without the RNN (its rnn-weight 0 line), or `# without the RNN: rnn-weight 0 is not in the
  /// grid`. The lines avoid the words `WER`/`SER` so that best_wer.sh-style greps skip them.
  public func summaryLines(prefix: String = "") -> String {
    var bestByWeight: [(label: String, index: Int)] = []
    for (index, setting) in settings.enumerated() {
      if let k = bestByWeight.firstIndex(where: { $0.label == setting.rnnWeightLabel }) {
        if summaries[index].counts.errors < summaries[bestByWeight[k].index].counts.errors {
          bestByWeight[k].index = index
        }
      } else {
        bestByWeight.append((setting.rnnWeightLabel, index))
      }
    }
    func line(_ index: Int) -> String {
      let summary = summaries[index]
      let rate = summary.kaldiReport().split(separator: " ", maxSplits: 2).dropFirst().first ?? ""
      return
        "\(rate) [ \(summary.counts.errors) / \(summary.counts.referenceWords) ] \(prefix)\(settings[index].werName)"
    }
    var text = ""
    for entry in bestByWeight { text += "# best at rnn-weight \(entry.label): \(line(entry.index))\n" }
    if let withoutRNN = bestByWeight.first(where: { settings[$0.index].rnnWeight == 0 }) {
      text += "# without the RNN (rnn-weight 0): \(line(withoutRNN.index))\n"
    } else {
      text += "# without the RNN: rnn-weight 0 is not in the grid\n"
    }
    return text
  }

  /// The name of the file holding `bestWeightsConfig`.
  public static let bestWeightsFileName = "best_weights"

  /// A Kaldi `--config` file that makes `tool` (`rescore-nbest` or `rescore-lattice`) select what the best setting selected,
  /// on this or another set: `--rnn-weights=`, `--lm-weights=`, `--wip=` and `--interpolation=`
  /// lines (the labels read back to the exact grid values), and `--unk-penalty=` with the best
  /// setting's OOV cost when the sweep covered OOV costs, else `scorerOOVCost` (the scorer's
  /// cost; nil when the RNN costs were reused from `lmwt.rnn`, which holds its OOV cost: then
  /// a comment says so). `#` lines describe the run (`--config` skips them).
  public func bestWeightsConfig(interpolation: LMInterpolation, scorerOOVCost: Double?, tool: String = "rescore-nbest")
    -> String
  {
    let best = bestSetting
    var text = "# \(tool): the best of \(settings.count) settings\n"
    if scored {
      text += "# \(werLine(bestIndex).replacingOccurrences(of: "%WER ", with: "error rate "))\n"
    }
    text += "--rnn-weights=\(best.rnnWeightLabel)\n--lm-weights=\(best.lmWeightLabel)\n"
    text += "--wip=\(best.insertionPenaltyLabel)\n--interpolation=\(interpolation.rawValue)\n"
    if let oov = best.oovCost {
      text += "--unk-penalty=\(oov.label)\n"
    } else if let scorerOOVCost {
      text += "--unk-penalty=\(scorerOOVCost)\n"
    } else {
      text += "# no --unk-penalty: the RNN costs came from lmwt.rnn (--reuse-rnn-costs), which includes the OOV cost\n"
    }
    return text
  }
}
