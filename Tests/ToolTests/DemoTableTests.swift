import Foundation
import Testing

/// The demo's results table reads the sweep's `%WER` lines only: the `#` summary lines that
/// rescore-nbest prints between them and the best line must not be taken for a setting (they
/// made the 3-gram row read "best").
@Suite struct DemoTableTests {
  @Test func threeGramRowComesFromTheWERLines() throws {
    let work = try RecipeTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    let exp = work.appendingPathComponent("exp")
    func put(_ text: String, _ path: String) throws {
      try RecipeTests.write(text, to: exp.appendingPathComponent(path))
    }
    try put("%WER 37.33 [ 807 / 2162, 1 ins, 2 del, 3 sub ]\n", "baselines/wer_rank1")
    try put("%WER 26.83 [ 580 / 2162, 1 ins, 2 del, 3 sub ]\n", "baselines/wer_oracle")
    try put(
      """
      %WER 35.20 [ 761 / 2162, 50 ins, 100 del, 611 sub ] exp/rescore_ce/wer_9_0_rnn0
      %WER 34.92 [ 755 / 2162, 50 ins, 100 del, 605 sub ] exp/rescore_ce/wer_9.5_2_rnn0
      %WER 32.75 [ 708 / 2162, 50 ins, 100 del, 558 sub ] exp/rescore_ce/wer_12.5_0.5_rnn0.6
      # best at rnn-weight 0: 34.92 [ 755 / 2162 ] exp/rescore_ce/wer_9.5_2_rnn0
      # best at rnn-weight 0.6: 32.75 [ 708 / 2162 ] exp/rescore_ce/wer_12.5_0.5_rnn0.6
      # without the RNN (rnn-weight 0): 34.92 [ 755 / 2162 ] exp/rescore_ce/wer_9.5_2_rnn0
      %WER 32.75 [ 708 / 2162, 50 ins, 100 del, 558 sub ] exp/rescore_ce/wer_12.5_0.5_rnn0.6

      """, "rescore_ce/wer_sweep")
    try put(
      "%WER 32.75 [ 708 / 2162, 50 ins, 100 del, 558 sub ] exp/rescore_ce/wer_12.5_0.5_rnn0.6\n", "rescore_ce/best_wer")
    try put("epoch\tlr\ttrain_loss\tvalid_ppl\tseconds\ttokens_per_s\n1\t2\t5.5\t195.17\t77\t9000\n", "ce/epochs.tsv")
    let script = RecipeTests.root.appendingPathComponent("recipes/demo")
    let result = try ToolRunner.runShell("cd '\(script.path)' && local/make_table.sh '\(exp.path)'")
    #expect(result.status == 0, "\(result.stderr)")
    let rows = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      rows.contains { $0.hasPrefix("| 3-gram, tuned LMWT and wip      |  34.92 | 0, 9.5, 2 ") }, "\(result.stdout)")
    #expect(
      rows.contains { $0.hasPrefix("| CE, normalized                  |  32.75 | 0.6, 12.5, 0.5 ") }, "\(result.stdout)"
    )
  }
}
