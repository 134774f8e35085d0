/// Word-level Levenshtein alignment of a hypothesis against a reference.
public enum WordAligner {
  /// Edit counts of `hypothesis` against `reference` under `rule`; no alignment record.
  /// Words are interned once (O(|ref| + |hyp|) hashing) and the O(|ref| x |hyp|) dynamic
  /// programme compares integer ids in one reused row. For many sentences, keep a
  /// `WordInterner` and an `EditDistanceScratch` and call `EditDistanceScratch.counts`.
  public static func counts(reference: [String], hypothesis: [String], rule: AlignmentRule = .kaldi)
    -> EditCounts
  {
    var interner = WordInterner()
    let ref = interner.ids(reference)
    let hyp = interner.ids(hypothesis)
    var scratch = EditDistanceScratch()
    return scratch.counts(reference: ref, hypothesis: hyp, rule: rule)
  }

  /// The full alignment, in reading order. With `.kaldi` it is Kaldi's `align-text` path,
  /// whose error total always equals `counts`'s but whose split can differ on ties (as in
  /// Kaldi, where per-utterance details come from `align-text` and the `%WER` line from
  /// `compute-wer`). With `.sclite` the path is sclite's and agrees with `counts` exactly.
  /// Memory linear in the sentence lengths (`AlignmentWorkspace`); pass one `workspace` to
  /// reuse its memory across sentences, and the pair's `counts` under `rule` when known (a
  /// long pair then needs no band probing).
  public static func align(
    reference: [String], hypothesis: [String], rule: AlignmentRule = .kaldi,
    workspace: AlignmentWorkspace = AlignmentWorkspace(), knownCounts: EditCounts? = nil
  ) -> [AlignedPair] {
    var interner = WordInterner()
    let steps = workspace.path(
      reference: interner.ids(reference), hypothesis: interner.ids(hypothesis), rule: rule,
      knownCounts: knownCounts)
    var result: [AlignedPair] = []
    result.reserveCapacity(steps.count)
    var m = 0
    var n = 0
    for step in steps {
      switch step {
      case .correct, .substitution:
        result.append(AlignedPair(reference: reference[m], hypothesis: hypothesis[n]))
        m += 1
        n += 1
      case .deletion:
        result.append(AlignedPair(reference: reference[m], hypothesis: nil))
        m += 1
      case .insertion:
        result.append(AlignedPair(reference: nil, hypothesis: hypothesis[n]))
        n += 1
      }
    }
    return result
  }
}
