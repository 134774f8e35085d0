import Foundation
import Testing

@testable import NBestRescoring

/// The real N-best set of ../shared/data/nbest-dev (150 utterances, 7,435 hypotheses).
@Suite(.enabled(if: TestSupport.nbestDev != nil, "needs ../shared/data/nbest-dev"))
struct NBestDevTests {
  static func lists() throws -> [NBestList] {
    try KaldiNBestArchiveReader(directory: TestSupport.nbestDev! + "/archives.1").readAll()
  }

  @Test func readsTheWholeSet() throws {
    let lists = try Self.lists()
    #expect(lists.count == 150)
    #expect(lists.reduce(0) { $0 + $1.hypotheses.count } == 7435)
    #expect(lists.allSatisfy { $0.hypotheses.map(\.rank) == Array(1...$0.hypotheses.count) })
  }

  /// The README: Kaldi's rule at LMWT 9.5 with lmonly only reproduces the list order.
  @Test func kaldiRuleAtLMWT9point5SelectsRankOne() throws {
    for list in try Self.lists() {
      let best = try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0, interpolation: .logLinear, lmWeight: 9.5, insertionPenalty: 0)
      #expect(list.hypotheses[best].rank == 1, "\(list.utteranceID)")
    }
  }
}

extension NBestDevTests {
  /// README: the rank-1 hypotheses score WER 37.33 [807 / 2162] (oracle 26.83%), and Kaldi's
  /// rule at LMWT 9.5 selects them; the sweep's best can only be as good or better.
  @Test func sweepReproducesTheRankOneWER() throws {
    let references = try KaldiTextReader.read(path: TestSupport.nbestDev! + "/text")
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(parsing: "7:0.5:12", name: "--lmwt"),
      insertionPenalties: WeightGrid(parsing: "0,0.5", name: "--wip"),
      references: references.order.map { (key: $0, words: references.transcripts[$0]!) })
    for list in try Self.lists() { try sweep.add(list) }
    let report = try sweep.run()
    #expect(report.settings.count == 11 * 2)
    let at9point5 = try #require(report.settings.firstIndex { $0.lmWeight == 9.5 && $0.insertionPenalty == 0 })
    #expect(
      report.werLine(at9point5, prefix: "nbest-dev/")
        == "%WER 37.33 [ 807 / 2162, 186 ins, 54 del, 567 sub ] nbest-dev/wer_9.5_0_rnn0")
    #expect(report.bestSummary.counts.errors <= 807)
    #expect(report.bestSummary.counts.errors >= 580)  // the oracle: 580 errors
    #expect(try sweep.selectedText(setting: report.bestIndex).split(separator: "\n").count == 150)
  }

  /// With sclite's alignment the split is the one in scoring/summary.txt (sub 555 del 60 ins 192).
  @Test func scliteRuleGivesTheSummarySplit() throws {
    let references = try KaldiTextReader.read(path: TestSupport.nbestDev! + "/text")
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [9.5]),
      insertionPenalties: WeightGrid(values: [0]),
      references: references.order.map { (key: $0, words: references.transcripts[$0]!) },
      rules: ScoringRules(alignment: .sclite))
    for list in try Self.lists() { try sweep.add(list) }
    #expect(try sweep.run().werLine(0) == "%WER 37.33 [ 807 / 2162, 192 ins, 60 del, 555 sub ] wer_9.5_0_rnn0")
  }
}
