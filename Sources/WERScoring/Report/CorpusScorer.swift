import FileIO

/// What `compute-wer --mode` does with a reference key that has no hypothesis.
public enum MissingHypothesisMode: String, Sendable, CaseIterable {
  /// The missing hypothesis is an error.
  case strict
  /// The sentence is skipped and counted as not present.
  case present
  /// The sentence is scored against an empty hypothesis (all deletions) and counted.
  case all
}

/// The score of one reference utterance.
public struct ScoredUtterance: Sendable {
  public var key: String
  /// Normalized words.
  public var reference: [String]
  public var hypothesis: [String]
  /// Counts under the scorer's rule (Kaldi: `compute-wer`'s split).
  public var counts: EditCounts
  /// False when the hypothesis was missing (`all` mode).
  public var hypothesisPresent: Bool
}

/// Scores hypotheses against references the way Kaldi's `compute-wer` does: iterates the
/// reference keys in order, normalizes both sides, counts edits with interned word ids and
/// one reused DP row.
public struct CorpusScorer: Sendable {
  public var rule: AlignmentRule
  public var mode: MissingHypothesisMode
  public var normalizer: TextNormalizer

  public init(
    rule: AlignmentRule = .kaldi, mode: MissingHypothesisMode = .strict,
    normalizer: TextNormalizer = TextNormalizer()
  ) {
    self.rule = rule
    self.mode = mode
    self.normalizer = normalizer
  }

  /// Scores every reference key. `hypothesisSource` names the hypothesis table in the strict
  /// mode error. Returns the Kaldi totals and the scored utterances in reference order
  /// (skipped ones of `present` mode excluded). `progress` counts the references.
  public func score(
    references: [(key: String, words: [String])], hypotheses: [(key: String, words: [String])],
    hypothesisSource: String, progress: ProgressMeter? = nil
  ) throws -> (summary: WERSummary, utterances: [ScoredUtterance]) {
    progress?.setTotal(references.count)
    defer { progress?.finish() }
    var hypothesisByKey: [String: [String]] = [:]
    hypothesisByKey.reserveCapacity(hypotheses.count)
    for entry in hypotheses { hypothesisByKey[entry.key] = entry.words }
    var summary = WERSummary()
    var utterances: [ScoredUtterance] = []
    utterances.reserveCapacity(references.count)
    var interner = WordInterner()
    var scratch = EditDistanceScratch()
    for (key, referenceWords) in references {
      progress?.advance()
      let rawHypothesis = hypothesisByKey[key]
      if rawHypothesis == nil {
        switch mode {
        case .strict:
          throw InputError(
            "no hypothesis for key '\(key)' (--mode=strict; --mode=present skips it, --mode=all scores it as empty)",
            file: hypothesisSource)
        case .present:
          summary.addMissing()
          continue
        case .all:
          summary.addMissing()
        }
      }
      let reference = normalizer.normalize(referenceWords)
      let hypothesis = normalizer.normalize(rawHypothesis ?? [])
      let counts = scratch.counts(
        reference: interner.ids(reference), hypothesis: interner.ids(hypothesis), rule: rule)
      summary.add(counts)
      utterances.append(
        ScoredUtterance(
          key: key, reference: reference, hypothesis: hypothesis, counts: counts,
          hypothesisPresent: rawHypothesis != nil))
    }
    return (summary, utterances)
  }
}
