import Testing

@testable import WERScoring

/// Hand-worked alignments where the tie-breaking rule, not the edit distance, decides the
/// insertion/deletion/substitution split.
struct TieBreakingTests {
  func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

  /// ref `a b`, hyp `b a`. Unit-cost DP (rows = hyp, columns = ref):
  /// ```
  ///          -    a    b
  ///     -    0   1D   2D
  ///     b   1I   1S   1D      (ref b: match from 1D, cost 1)
  ///     a   2I   1I    ?
  /// ```
  /// Last cell: substitution 1S+1 = 2, insertion (above, 1D)+1 = 2, deletion (left, 1I)+1 = 2.
  /// Kaldi takes substitution only if strictly cheaper, deletion only if strictly cheaper
  /// than insertion, so it inserts: 1 insertion + 1 deletion, where "prefer substitution on
  /// ties" would say 2 substitutions.
  @Test func swappedPairIsOneInsertionAndOneDeletionForKaldi() {
    let counts = WordAligner.counts(reference: words("a b"), hypothesis: words("b a"))
    #expect(counts == EditCounts(insertions: 1, deletions: 1, substitutions: 0, referenceWords: 2))
  }

  /// Same pair under sclite's costs: two substitutions cost 8, deletion + match + insertion 6.
  @Test func swappedPairUnderScliteCosts() {
    let counts = WordAligner.counts(reference: words("a b"), hypothesis: words("b a"), rule: .sclite)
    #expect(counts == EditCounts(insertions: 1, deletions: 1, substitutions: 0, referenceWords: 2))
    let alignment = WordAligner.align(reference: words("a b"), hypothesis: words("b a"), rule: .sclite)
    #expect(alignment.map(\.operation) == [.deletion, .correct, .insertion])
  }

  /// Kaldi's align-text backtrace takes the diagonal on ties, so its path for the swapped
  /// pair is two substitutions: same total (2) as compute-wer, different split.
  @Test func alignTextPrefersSubstitutionOnTies() {
    let alignment = WordAligner.align(reference: words("a b"), hypothesis: words("b a"), rule: .kaldi)
    #expect(alignment == [AlignedPair(reference: "a", hypothesis: "b"), AlignedPair(reference: "b", hypothesis: "a")])
  }

  /// ref `a b`, hyp `c`: compute-wer substitutes `a` and deletes `b` (at the last cell the
  /// substitution ties with the deletion, deletion beats insertion); align-text, tracing
  /// back, substitutes `b` and deletes `a`. Both: 1 substitution + 1 deletion.
  @Test func deletionSideDependsOnDirection() {
    let counts = WordAligner.counts(reference: words("a b"), hypothesis: words("c"))
    #expect(counts == EditCounts(insertions: 0, deletions: 1, substitutions: 1, referenceWords: 2))
    let alignment = WordAligner.align(reference: words("a b"), hypothesis: words("c"))
    #expect(alignment == [AlignedPair(reference: "a", hypothesis: nil), AlignedPair(reference: "b", hypothesis: "c")])
  }

  /// SPEC section 4: Kaldi finds the unit-cost minimum (6: 5 substitutions, 1 insertion);
  /// sclite's 4/3/3 costs prefer 3 deletions + 4 insertions (weighted 21 < 23): 7 errors.
  @Test func specExampleKaldiSixScliteSeven() {
    let ref = words("b b a d c d")
    let hyp = words("d c d d a b c")
    #expect(WordAligner.counts(reference: ref, hypothesis: hyp) == EditCounts(insertions: 1, deletions: 0, substitutions: 5, referenceWords: 6))
    #expect(
      WordAligner.counts(reference: ref, hypothesis: hyp, rule: .sclite)
        == EditCounts(insertions: 4, deletions: 3, substitutions: 0, referenceWords: 6))
    let sclitePath = WordAligner.align(reference: ref, hypothesis: hyp, rule: .sclite).map(\.operation.rawValue).joined()
    #expect(sclitePath == "DDDCCICIII")  // sclite's pra: REF B B A d c * d * * *
  }

  @Test func emptySides() {
    #expect(WordAligner.counts(reference: [], hypothesis: words("x y")) == EditCounts(insertions: 2))
    #expect(WordAligner.counts(reference: words("x y"), hypothesis: []) == EditCounts(deletions: 2, referenceWords: 2))
    #expect(WordAligner.align(reference: [], hypothesis: []).isEmpty)
    for rule in AlignmentRule.allCases {
      #expect(WordAligner.align(reference: words("x"), hypothesis: [], rule: rule).map(\.operation) == [.deletion])
    }
  }

  @Test func scratchIsReusableAcrossLengths() {
    var scratch = EditDistanceScratch()
    let long = scratch.counts(reference: [1, 2, 3, 4, 5], hypothesis: [1, 9, 3], rule: .kaldi)
    #expect(long == EditCounts(insertions: 0, deletions: 2, substitutions: 1, referenceWords: 5))
    let short = scratch.counts(reference: [7], hypothesis: [7, 7], rule: .kaldi)
    #expect(short == EditCounts(insertions: 1, deletions: 0, substitutions: 0, referenceWords: 1))
  }
}
