import ArgumentParser
import FileIO
import Foundation
import NBestRescoring
import WERScoring

extension MissingHypothesisMode: ExpressibleByArgument {}

/// How `--ref` scores the sweep, as Kaldi's `steps/score_kaldi.sh` does (see `ScoringRules`):
/// compute-wer's `--mode` and normalization options, and the filter commands.
public struct ScoringRuleOptions: ParsableArguments {
  public init() {}
  @Option(
    help:
      "A reference without an N-best list: present skips it and marks the WER [PARTIAL] (score_kaldi.sh), all scores it as all deletions, strict is an error. (default: present)"
  )
  public var mode: MissingHypothesisMode?
  @Option(
    help: "As compute-wer: words removed from both sides before scoring, a file of words or a comma-separated list.")
  public var ignoreWords: String?
  @Flag(help: "As compute-wer: lowercase both sides before scoring.")
  public var ignoreCase = false
  @Option(help: "As compute-wer: file of 'from to' word pairs applied to both sides (after case folding).")
  public var map: String?
  @Option(
    help:
      "Shell command run on the hypotheses ('utt-id words' lines) before scoring, as score_kaldi.sh's hyp_filtering_cmd; it must print one line per line, same key."
  )
  public var hypFilter: String?
  @Option(help: "Shell command run on the references before scoring (default: --hyp-filter's command; 'cat' for none).")
  public var refFilter: String?

  /// The options only make sense with `--ref`.
  public func validate(hasReference: Bool) throws {
    if !hasReference
      && (mode != nil || ignoreWords != nil || ignoreCase || map != nil || hypFilter != nil || refFilter != nil)
    {
      throw ValidationError("--mode, --ignore-words, --ignore-case, --map, --hyp-filter and --ref-filter need --ref")
    }
  }

  /// The rules for `WeightSweep`; reads the `--map` and `--ignore-words` files as compute-wer does.
  public func rules() throws -> ScoringRules {
    let normalizer = try TextNormalizer(foldCase: ignoreCase, mappingFile: map, ignoredWords: ignoreWords)
    return ScoringRules(
      mode: mode ?? .present, normalizer: normalizer, hypothesisFilter: hypFilter, referenceFilter: refFilter)
  }
}
