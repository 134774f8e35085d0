import FileIO
import Foundation
import Testing
import WERScoring

@testable import NBestRescoring

/// Issue 12: grids without duplicates and with a bounded product, no NaN passed on, ties by rank.
@Suite struct SweepSafetyTests {
  @Test(arguments: [
    ("0.5,0.5", [0.5], ["0.5"]),
    ("0.1,0.10000000001", [0.1], ["0.1"]),
    ("0.1,0.1000000001", [0.1, 0.1000000001], ["0.1", "0.1000000001"]),  // 10 digits apart: kept
    ("-0", [0], ["0"]),
    ("-0,0,1,0", [0, 1], ["0", "1"]),
    ("-1:0.5:0", [-1, -0.5, 0], ["-1", "-0.5", "0"]),
  ])
  func duplicateGridValuesAreOneSetting(text: String, values: [Double], labels: [String]) throws {
    let grid = try WeightGrid(parsing: text, name: "--wip")
    #expect(grid.values == values)
    #expect(grid.values.allSatisfy { $0 != 0 || $0.sign == .plus })
    #expect(grid.labels == labels)
  }

  /// 10 x 1000 x 1000 = 10^7 settings: refused when the sweep is created, naming the size.
  @Test func aProductAboveTheLimitIsRefusedBeforeScoring() throws {
    let error = #expect(throws: InputError.self) {
      _ = try WeightSweep(
        rnnWeights: WeightGrid(parsing: "0:0.1:0.9", name: "w"), lmWeights: WeightGrid(parsing: "1:1000", name: "l"),
        insertionPenalties: WeightGrid(parsing: "0:0.001:0.999", name: "p"), references: [(key: "u", words: ["a"])])
    }
    #expect(
      error?.message.hasPrefix(
        "the grids give 10000000 settings (10 RNN weights x 1000 LM weights x 1000 insertion penalties), more than the limit of 100000"
      ) == true)
    #expect(
      try WeightSweep.settingCount(
        rnnWeights: WeightGrid(values: [0, 1]), lmWeights: WeightGrid(values: [1, 2, 3]),
        insertionPenalties: WeightGrid(values: [0]), oovCosts: WeightGrid(values: [1, 2])) == 12)
    // The OOV grid counts too.
    #expect(throws: InputError.self) {
      _ = try WeightSweep.settingCount(
        rnnWeights: WeightGrid(parsing: "0:0.01:0.99", name: "w"), lmWeights: WeightGrid(parsing: "1:100", name: "l"),
        insertionPenalties: WeightGrid(values: [0, 1]), oovCosts: WeightGrid(parsing: "0:9", name: "o"))
    }
  }

  @Test func linearInterpolationRefusesWeightsOutsideTheUnitInterval() throws {
    let error = #expect(throws: InputError.self) {
      try LMInterpolation.linear.checkRNNWeights(WeightGrid(parsing: "0,0.5,2", name: "w"))
    }
    #expect(error?.message.hasPrefix("--rnn-weights 2: --interpolation linear mixes probabilities") == true)
    try LMInterpolation.logLinear.checkRNNWeights(WeightGrid(parsing: "-0.5,2", name: "w"))
    try LMInterpolation.linear.checkRNNWeights(WeightGrid(parsing: "0:0.25:1", name: "w"))
    #expect(throws: InputError.self) {
      _ = try WeightSweep(
        rnnWeights: WeightGrid(values: [-0.5]), lmWeights: WeightGrid(values: [10]),
        insertionPenalties: WeightGrid(values: [0]), interpolation: .linear, references: nil)
    }
    // The combination itself never takes log1p(-2).
    var hypothesis = NBestHypothesis(rank: 1, words: ["a"], acousticCost: 1)
    hypothesis.setRNNWordCosts([1, 1])
    hypothesis.setNgramWordCosts([2, 2])
    #expect(throws: InputError.self) {
      _ = try ScoreCombination.interpolatedCost(hypothesis, utteranceID: "u", rnnWeight: 2, interpolation: .linear)
    }
  }

  @Test func aNaNCostIsAnErrorNamingTheUtteranceAndHypothesis() throws {
    let list = NBestList(
      utteranceID: "u9",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["a"], acousticCost: 1, ngramCost: 1, rnnCost: 2),
        NBestHypothesis(rank: 2, words: ["b"], acousticCost: 1, ngramCost: 1, rnnCost: .nan),
      ])
    // Even at w = 0, where the RNN cost is not used: a NaN means a broken model or table.
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [10]),
      insertionPenalties: WeightGrid(values: [0]),
      references: nil)
    let error = #expect(throws: InputError.self) { try sweep.add(list) }
    #expect(error?.message == "utterance 'u9', hypothesis 'u9-2': the RNN cost is NaN")
    #expect(throws: InputError.self) {
      _ = try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0.5, interpolation: .logLinear, lmWeight: 10, insertionPenalty: 0)
    }
    // A NaN produced by the combination itself (0 * inf) is caught there.
    let infinite = NBestHypothesis(rank: 3, words: [], acousticCost: 0, ngramCost: .infinity, rnnCost: 1)
    let combined = #expect(throws: InputError.self) {
      _ = try ScoreCombination.interpolatedCost(infinite, utteranceID: "u9", rnnWeight: 1, interpolation: .logLinear)
      _ = try ScoreCombination.interpolatedCost(
        NBestHypothesis(rank: 3, words: [], acousticCost: 0, graphCost: -.infinity, ngramCost: .infinity, rnnCost: 1),
        utteranceID: "u9", rnnWeight: 0.5, interpolation: .logLinear)
    }
    #expect(combined?.message.hasPrefix("utterance 'u9', hypothesis 'u9-3': combining the costs gave NaN") == true)
  }

  /// A list whose rank 2 comes first with the same cost as rank 1 selects rank 1.
  @Test func tiesGoToTheLowerRankNotTheFileOrder() throws {
    let list = NBestList(
      utteranceID: "u1",
      hypotheses: [
        NBestHypothesis(rank: 2, words: ["b"], acousticCost: 10, ngramCost: 5, rnnCost: 5),
        NBestHypothesis(rank: 1, words: ["a"], acousticCost: 10, ngramCost: 5, rnnCost: 5),
        NBestHypothesis(rank: 3, words: ["c"], acousticCost: 10, ngramCost: 5, rnnCost: 5),
      ])
    #expect(
      try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0.5, interpolation: .logLinear, lmWeight: 10, insertionPenalty: 0)
        == 1)
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0.5]), lmWeights: WeightGrid(values: [10]),
      insertionPenalties: WeightGrid(values: [0]), references: [(key: "u1", words: ["a"])])
    try sweep.add(list)
    let report = try sweep.run()
    #expect(report.bestSummary.counts.errors == 0)
    #expect(try sweep.selectedText(setting: 0) == "u1 a\n")
  }
}
