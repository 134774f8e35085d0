import FileIO
import Foundation
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct ScoreCombinationTests {
  static func hypothesis(rank: Int, words: Int, ac: Double, nolm: Double, lm: Double, rnn: Double?) -> NBestHypothesis {
    NBestHypothesis(
      rank: rank, words: Array(repeating: "w", count: words), acousticCost: ac, graphCost: nolm, ngramCost: lm,
      rnnCost: rnn)
  }

  @Test func kaldiLogLinearInterpolation() throws {
    let h = Self.hypothesis(rank: 1, words: 2, ac: 100, nolm: 2, lm: 30, rnn: 20)
    for (w, expected) in [(0.0, 32.0), (0.25, 29.5), (1.0, 22.0)] {
      #expect(
        try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: w, interpolation: .logLinear) == expected)
    }
  }

  @Test func decisionRuleUsesLMWeightAndInsertionPenalty() throws {
    // Hyp 1: cheap acoustics, expensive LM; hyp 2 the reverse, one word more.
    let list = NBestList(
      utteranceID: "u",
      hypotheses: [
        Self.hypothesis(rank: 1, words: 2, ac: 100, nolm: 0, lm: 30, rnn: nil),
        Self.hypothesis(rank: 2, words: 3, ac: 120, nolm: 0, lm: 26, rnn: nil),
      ])
    func best(_ lmwt: Double, _ wip: Double) throws -> Int {
      try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0, interpolation: .logLinear, lmWeight: lmwt, insertionPenalty: wip)
    }
    // totals at LMWT 10: 10 + 30 = 40 vs 12 + 26 = 38; at LMWT 4: 55 vs 56.
    #expect(try best(10, 0) == 1)
    #expect(try best(4, 0) == 0)
    // wip 2.5 adds 5 vs 7.5: 45 vs 45.5 at LMWT 10.
    #expect(try best(10, 2.5) == 0)
    #expect(
      ScoreCombination.totalCost(
        acousticCost: 120, interpolatedCost: 26, wordCount: 3, lmWeight: 10, insertionPenalty: 0.5)
        == 39.5)
  }

  @Test func tiesGoToTheLowerRank() throws {
    let h = Self.hypothesis(rank: 1, words: 1, ac: 10, nolm: 0, lm: 5, rnn: nil)
    var twin = h
    twin.rank = 2
    let list = NBestList(utteranceID: "u", hypotheses: [h, twin])
    #expect(
      try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0, interpolation: .logLinear, lmWeight: 1, insertionPenalty: 0)
        == 0)
  }

  @Test func missingRNNCostIsAnErrorOnlyWhenWeighted() throws {
    let h = Self.hypothesis(rank: 3, words: 1, ac: 10, nolm: 0, lm: 5, rnn: nil)
    #expect(try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: 0, interpolation: .logLinear) == 5)
    #expect {
      _ = try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: 0.5, interpolation: .logLinear)
    } throws: { error in
      (error as? InputError)?.message == "hypothesis 'u-3' has no RNN LM cost"
    }
  }

  @Test func linearInterpolationMixesPerWordProbabilities() throws {
    let rnn = [1.0, 2.0, 0.5]
    let ngram = [2.0, 1.0, 3.0]
    let lambda = 0.3
    var expected = 0.0
    for i in 0..<3 { expected -= log(lambda * exp(-rnn[i]) + (1 - lambda) * exp(-ngram[i])) }
    let cost = ScoreCombination.linearInterpolatedCost(rnnWordCosts: rnn, ngramWordCosts: ngram, rnnWeight: lambda)
    #expect(abs(cost - expected) < 1e-12)
    // Stable far in the tail, where exp(-cost) underflows in Double.
    let tail = ScoreCombination.linearInterpolatedCost(rnnWordCosts: [800], ngramWordCosts: [801], rnnWeight: 0.5)
    #expect(abs(tail - (800 - log(0.5 * (1 + exp(-1))))) < 1e-9)
    // An impossible word under one model only costs -ln(weight of the other).
    let oneSided = ScoreCombination.linearInterpolatedCost(
      rnnWordCosts: [.infinity], ngramWordCosts: [1], rnnWeight: 0.25)
    #expect(abs(oneSided - (1 - log(0.75))) < 1e-12)

    var h = NBestHypothesis(rank: 1, words: ["a", "b"], acousticCost: 0, graphCost: 1)
    h.setRNNWordCosts(rnn)
    h.setNgramWordCosts(ngram)
    #expect(h.rnnCost == 3.5 && h.ngramCost == 6)
    let interp = try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: lambda, interpolation: .linear)
    #expect(abs(interp - (1 + expected)) < 1e-12)
    #expect(try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: 1, interpolation: .linear) == 4.5)
  }

  @Test func linearInterpolationNeedsPerWordCosts() throws {
    let h = Self.hypothesis(rank: 2, words: 1, ac: 10, nolm: 0, lm: 5, rnn: 4)
    #expect {
      _ = try ScoreCombination.interpolatedCost(h, utteranceID: "u", rnnWeight: 0.5, interpolation: .linear)
    } throws: { error in
      (error as? InputError)?.message == "hypothesis 'u-2' has no per-word RNN LM costs"
    }
  }
}
