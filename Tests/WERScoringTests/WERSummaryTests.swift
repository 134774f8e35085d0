import Testing

@testable import WERScoring

struct WERSummaryTests {
  @Test func reportHasKaldisExactLines() {
    var summary = WERSummary()
    summary.add(EditCounts(insertions: 1, deletions: 0, substitutions: 1, referenceWords: 3))
    summary.add(EditCounts(insertions: 0, deletions: 0, substitutions: 0, referenceWords: 4))
    summary.addMissing()
    #expect(summary.wer == 100.0 * 2 / 7)
    #expect(
      summary.kaldiReport() == """
        %WER 28.57 [ 2 / 7, 1 ins, 0 del, 1 sub ] [PARTIAL]
        %SER 50.00 [ 1 / 2 ]
        Scored 2 sentences, 1 not present in hyp.

        """)
  }

  /// Kaldi stores the percentage in a 32-bit float and prints it with C's `%.2f`: an exact
  /// binary tie such as 100*1/800 = 0.125 rounds to even (0.12), 100*1/6 prints 16.67.
  @Test(arguments: [
    (1, 800, "0.12"), (1, 8, "12.50"), (1, 6, "16.67"), (2, 3, "66.67"), (807, 2162, "37.33"),
    (1, 1600, "0.06"),
  ])
  func percentFormatting(errors: Int, words: Int, text: String) {
    #expect(WERSummary.kaldiPercent(errors, words) == text)
  }

  /// An empty reference set prints what Kaldi prints: `-nan` for 0/0, `inf` for n/0.
  @Test func emptyReference() {
    var summary = WERSummary()
    #expect(
      summary.kaldiReport().hasPrefix(
        "%WER -nan [ 0 / 0, 0 ins, 0 del, 0 sub ]\n%SER -nan [ 0 / 0 ]\n"))
    summary.add(EditCounts(insertions: 2, referenceWords: 0))
    #expect(
      summary.kaldiReport().hasPrefix(
        "%WER inf [ 2 / 0, 2 ins, 0 del, 0 sub ]\n%SER 100.00 [ 1 / 1 ]\n"))
  }
}
