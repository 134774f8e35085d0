import WERScoring

/// How a weight sweep scores its selections against the references, as Kaldi's
/// `steps/score_kaldi.sh` does: the hypotheses (and references) go through a filter command
/// (`hyp_filtering_cmd`, `ref_filtering_cmd`), then `compute-wer --mode=present` with its
/// normalization. Applied identically to every setting of the sweep: each hypothesis is
/// filtered and normalized once, before any setting selects it.
///
/// Order for both sides: the filter command, then `normalizer` (case folding, `--map`,
/// `--ignore-words`, the same `TextNormalizer` as `compute-wer`), then the alignment.
public struct ScoringRules: Sendable {
  /// A reference utterance without an N-best list: `present` (score_kaldi.sh's choice, the
  /// default) skips it and reports `[PARTIAL]`, `all` scores it as all deletions, `strict`
  /// refuses naming the first one.
  public var mode: MissingHypothesisMode
  public var alignment: AlignmentRule
  public var normalizer: TextNormalizer
  /// Run on the hypotheses (`key w1 w2 ...` lines, every hypothesis of every list, keyed by
  /// its utterance id); nil: none.
  public var hypothesisFilter: TextFilterCommand?
  /// Run on the references; nil: none.
  public var referenceFilter: TextFilterCommand?

  public init(
    mode: MissingHypothesisMode = .present, alignment: AlignmentRule = .kaldi,
    normalizer: TextNormalizer = TextNormalizer(),
    hypothesisFilter: TextFilterCommand? = nil, referenceFilter: TextFilterCommand? = nil
  ) {
    self.mode = mode
    self.alignment = alignment
    self.normalizer = normalizer
    self.hypothesisFilter = hypothesisFilter
    self.referenceFilter = referenceFilter
  }

  /// The rules of the command-line options: `--hyp-filter` and `--ref-filter` commands, where
  /// a missing `--ref-filter` means the hypothesis filter is applied to the references too, as
  /// score_kaldi.sh applies `local/wer_output_filter` to both sides (give `--ref-filter cat`
  /// to leave the references as they are).
  public init(
    mode: MissingHypothesisMode, normalizer: TextNormalizer, hypothesisFilter: String?, referenceFilter: String?
  ) {
    self.init(
      mode: mode, normalizer: normalizer,
      hypothesisFilter: hypothesisFilter.map { TextFilterCommand(command: $0, option: "--hyp-filter") },
      referenceFilter: referenceFilter.map { TextFilterCommand(command: $0, option: "--ref-filter") }
        ?? hypothesisFilter.map { TextFilterCommand(command: $0, option: "--hyp-filter (on the references)") })
  }
}
