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
