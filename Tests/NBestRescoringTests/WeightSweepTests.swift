import FileIO
import Foundation
import NCECore
import Testing
import WERScoring

@testable import NBestRescoring

@Suite struct WeightSweepTests {
  /// Utterance u1: rank 1 "a x" (cheap acoustics, costly LM), rank 2 "a b" (the reference).
  /// Utterance u2: rank 1 "c" (correct), rank 2 "c c"; no RNN preference.
  static let lists = [
    NBestList(
      utteranceID: "u1",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["a", "x"], acousticCost: 100, graphCost: 0, ngramCost: 30, rnnCost: 30),
        NBestHypothesis(rank: 2, words: ["a", "b"], acousticCost: 120, graphCost: 0, ngramCost: 26, rnnCost: 10),
      ]),
    NBestList(
      utteranceID: "u2",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["c"], acousticCost: 50, graphCost: 0, ngramCost: 10, rnnCost: 10),
        NBestHypothesis(rank: 2, words: ["c", "c"], acousticCost: 49, graphCost: 0, ngramCost: 10.2, rnnCost: 10.2),
      ]),
  ]
  static let references = [(key: "u1", words: ["a", "b"]), (key: "u2", words: ["c"])]

  func sweep(_ w: String, _ lmwt: String, _ wip: String, mode: MissingHypothesisMode = .strict) throws -> WeightSweep {
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(parsing: w, name: "--rnn-weight"), lmWeights: WeightGrid(parsing: lmwt, name: "--lmwt"),
      insertionPenalties: WeightGrid(parsing: wip, name: "--wip"), references: Self.references,
      rules: ScoringRules(mode: mode))
    for list in Self.lists { try sweep.add(list) }
    return sweep
  }

  @Test func matchesBruteForceSelectionAtEveryPoint() throws {
    let sweep = try sweep("0:0.5:1", "2:12", "0,0.5")
    let report = try sweep.run()
    #expect(report.settings.count == 3 * 11 * 2)
    for (setting, summary) in zip(report.settings, report.summaries) {
      var expected = WERSummary()
      for (list, reference) in zip(Self.lists, Self.references) {
        let best = try ScoreCombination.bestIndex(
          of: list, rnnWeight: setting.rnnWeight, interpolation: .logLinear, lmWeight: setting.lmWeight,
          insertionPenalty: setting.insertionPenalty)
        expected.add(WordAligner.counts(reference: reference.words, hypothesis: list.hypotheses[best].words))
      }
      #expect(summary.counts == expected.counts, "\(setting.werName)")
      #expect(summary.sentenceErrors == expected.sentenceErrors)
    }
    #expect(report.bestSummary.counts.errors == 0)
  }

  @Test func reportsInKaldiStyle() throws {
    let chosen = try sweep("0,1", "10", "0")
    let report = try chosen.run()
    // w = 0, LMWT 10: u1 totals 40 vs 38 -> rank 2 (correct); u2: 55 vs 59.1 -> rank 1.
    #expect(report.werLine(0, prefix: "exp/x/") == "%WER 0.00 [ 0 / 3, 0 ins, 0 del, 0 sub ] exp/x/wer_10_0_rnn0")
    #expect(report.bestWERLine() == "%WER 0.00 [ 0 / 3, 0 ins, 0 del, 0 sub ] wer_10_0_rnn0\n")
    #expect(try chosen.selectedText(setting: report.bestIndex) == "u1 a b\nu2 c\n")
    let low = try sweep("0", "1", "0").run()  // acoustics dominate: "a x" and "c c"
    #expect(low.werLines() == "%WER 66.67 [ 2 / 3, 1 ins, 0 del, 1 sub ] wer_1_0_rnn0\n")
    let directory = try TestSupport.temporaryDirectory()
    let outputs = StagedOutputs()
    try low.stageWERFiles(directory: directory, in: outputs)
    try outputs.publish()
    #expect(
      try String(contentsOfFile: directory + "/wer_1_0_rnn0", encoding: .utf8)
        == "%WER 66.67 [ 2 / 3, 1 ins, 0 del, 1 sub ]\n%SER 100.00 [ 2 / 2 ]\nScored 2 sentences, 0 not present in hyp.\n"
    )
  }

  @Test func missingNBestListFollowsComputeWERModes() throws {
    let references = Self.references + [(key: "u3", words: ["d", "e"])]
    func run(_ mode: MissingHypothesisMode) throws -> WeightSweepReport {
      let sweep = try WeightSweep(
        rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [10]),
        insertionPenalties: WeightGrid(values: [0]), references: references, rules: ScoringRules(mode: mode))
      for list in Self.lists { try sweep.add(list) }
      return try sweep.run()
    }
    #expect(throws: InputError.self) { try run(.strict) }
    #expect(try run(.present).werLine(0) == "%WER 0.00 [ 0 / 3, 0 ins, 0 del, 0 sub ] [PARTIAL] wer_10_0_rnn0")
    #expect(try run(.all).werLine(0) == "%WER 40.00 [ 2 / 5, 0 ins, 2 del, 0 sub ] [PARTIAL] wer_10_0_rnn0")
  }

  /// References that match no N-best utterance (the wrong file, or an empty one) leave nothing
  /// to choose by: an error in every mode, not a sweep of `-nan` lines.
  @Test(arguments: [MissingHypothesisMode.strict, .present, .all], [0, 1])
  func referencesMatchingNoListAreAnError(mode: MissingHypothesisMode, count: Int) throws {
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [10, 11]),
      insertionPenalties: WeightGrid(values: [0]), references: Array([(key: "other", words: ["d"])].prefix(count)),
      rules: ScoringRules(mode: mode))
    for list in Self.lists { try sweep.add(list) }
    let error = #expect(throws: InputError.self) { try sweep.run() }
    #expect(
      error?.message
        == "none of the \(count) reference utterances has an N-best list (2 lists read): no WER to choose the weights by"
    )
  }

  /// The lattice pipeline's sweep names lattices, not N-best lists, in its messages.
  @Test func aLatticeSweepNamesLatticesInItsMessages() throws {
    func sweep(_ references: [(key: String, words: [String])], mode: MissingHypothesisMode) throws -> WeightSweep {
      let sweep = try WeightSweep(
        rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [10]),
        insertionPenalties: WeightGrid(values: [0]), references: references, rules: ScoringRules(mode: mode),
        inputKind: .lattice)
      for list in Self.lists { try sweep.add(list) }
      return sweep
    }
    let none = #expect(throws: InputError.self) { try sweep([(key: "other", words: ["d"])], mode: .present).run() }
    #expect(
      none?.message
        == "none of the 1 reference utterances has a lattice (2 lattices read): no WER to choose the weights by")
    let keys = Self.lists.map(\.utteranceID) + ["extra"]
    let missing = #expect(throws: InputError.self) {
      try sweep(keys.map { (key: $0, words: ["d"]) }, mode: .strict).run()
    }
    #expect(
      missing?.message.hasPrefix("no lattice for reference 'extra' (--mode=strict") == true, "\(missing?.message ?? "")"
    )
  }

  @Test func withoutReferenceOnlyOneSettingIsAllowed() throws {
    #expect(throws: InputError.self) {
      _ = try WeightSweep(
        rnnWeights: WeightGrid(values: [0]), lmWeights: WeightGrid(values: [9, 10]),
        insertionPenalties: WeightGrid(values: [0]), references: nil)
    }
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [1]), lmWeights: WeightGrid(values: [10]),
      insertionPenalties: WeightGrid(values: [0]), references: nil)
    for list in Self.lists { try sweep.add(list) }
    let report = try sweep.run()
    #expect(!report.scored)
    #expect(try sweep.selectedText(setting: report.bestIndex) == "u1 a b\nu2 c\n")
  }
}
