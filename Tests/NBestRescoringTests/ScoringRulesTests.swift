import FileIO
import Foundation
import Testing
import WERScoring

@testable import NBestRescoring

/// Issue 13.1 and 13.2: score_kaldi.sh's modes and filters in the sweep, the summary and
/// `best_weights`, and which `lmwt.rnn` tables are reused.
@Suite struct ScoringRulesTests {
  /// u1: rank 1 "a uh b" (cheapest), rank 2 "a c". u2: rank 1 "d".
  static let lists = [
    NBestList(
      utteranceID: "u1",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["a", "uh", "b"], acousticCost: 10, ngramCost: 5, rnnCost: 5),
        NBestHypothesis(rank: 2, words: ["a", "c"], acousticCost: 30, ngramCost: 5, rnnCost: 5),
      ]),
    NBestList(
      utteranceID: "u2", hypotheses: [NBestHypothesis(rank: 1, words: ["d"], acousticCost: 1, ngramCost: 1, rnnCost: 1)]
    ),
  ]

  func run(
    _ rules: ScoringRules,
    references: [(key: String, words: [String])] = [(key: "u1", words: ["a", "b"]), (key: "u2", words: ["d"])],
    rnnWeights: [Double] = [0]
  ) throws -> (WeightSweep, WeightSweepReport) {
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: rnnWeights), lmWeights: WeightGrid(values: [10, 20]),
      insertionPenalties: WeightGrid(values: [0]), references: references, rules: rules,
      scratchDirectory: try TestSupport.temporaryDirectory())
    for list in Self.lists { try sweep.add(list) }
    return (sweep, try sweep.run())
  }

  @Test func theDefaultModeIsScoreKaldisPresent() throws {
    #expect(ScoringRules().mode == .present)
    let references = [
      (key: "u0", words: ["x", "y"]), (key: "u1", words: ["a", "uh", "b"]), (key: "u2", words: ["d"]),
      (key: "u3", words: ["z"]),
    ]
    let (_, present) = try run(ScoringRules(), references: references)
    #expect(present.werLine(0) == "%WER 0.00 [ 0 / 4, 0 ins, 0 del, 0 sub ] [PARTIAL] wer_10_0_rnn0")
    #expect(present.summaries[0].kaldiReport().hasSuffix("Scored 2 sentences, 2 not present in hyp.\n"))
    let (_, all) = try run(ScoringRules(mode: .all), references: references)
    #expect(all.werLine(0) == "%WER 42.86 [ 3 / 7, 0 ins, 3 del, 0 sub ] [PARTIAL] wer_10_0_rnn0")
    let error = #expect(throws: InputError.self) { try run(ScoringRules(mode: .strict), references: references) }
    #expect(
      error?.message.hasPrefix("no N-best list for reference 'u0' (--mode=strict; --mode=present skips it") == true)
  }

  @Test func theHypothesisFilterRunsOnEveryHypothesisAndOnTheReferencesByDefault() throws {
    let (_, plain) = try run(ScoringRules())
    #expect(plain.bestSummary.counts.errors == 1)  // "a uh b" against "a b"
    let filter = "sed 's/ uh / /g'"
    let (sweep, filtered) = try run(
      ScoringRules(mode: .present, normalizer: TextNormalizer(), hypothesisFilter: filter, referenceFilter: nil))
    #expect(filtered.summaries.allSatisfy { $0.counts.errors == 0 })
    // The selected text is the N-best list's words, not the filtered ones.
    #expect(try sweep.selectedText(setting: filtered.bestIndex) == "u1 a uh b\nu2 d\n")
    // The references go through the filter too unless --ref-filter says otherwise.
    let withUh = [(key: "u1", words: ["a", "uh", "b"]), (key: "u2", words: ["d"])]
    let (_, both) = try run(
      ScoringRules(mode: .present, normalizer: TextNormalizer(), hypothesisFilter: filter, referenceFilter: nil),
      references: withUh)
    #expect(both.bestSummary.counts.errors == 0)
    let (_, hypothesesOnly) = try run(
      ScoringRules(mode: .present, normalizer: TextNormalizer(), hypothesisFilter: filter, referenceFilter: "cat"),
      references: withUh)
    #expect(hypothesesOnly.bestSummary.counts.deletions == 1)
  }

  @Test func theNormalizerIsComputeWERs() throws {
    let rules = ScoringRules(
      mode: .present, normalizer: TextNormalizer(foldCase: true, mapping: ["c": "b"], ignoredWords: ["UH"]),
      hypothesisFilter: nil, referenceFilter: nil)
    let (_, report) = try run(rules, references: [(key: "u1", words: ["A", "B"]), (key: "u2", words: ["D"])])
    #expect(report.summaries.allSatisfy { $0.counts.errors == 0 })
  }

  @Test(arguments: [
    ("grep -v c", "output line 2 starts with 'u2', expected the key 'u1'"),
    ("head -n 2", "it printed 2 lines for 3 input lines"),
    ("sed 's/^u1/v1/'", "output line 1 starts with 'v1', expected the key 'u1'"),
    ("cat; echo u9 extra", "it printed more lines than the 3 input lines"),
    ("cat; exit 3", "exit"),
  ])
  func aFilterThatIsNotLineWiseOrFailsIsAnError(command: String, message: String) throws {
    let rules = ScoringRules(
      mode: .present, normalizer: TextNormalizer(), hypothesisFilter: command, referenceFilter: "cat")
    let error = #expect(throws: InputError.self) { try run(rules) }
    #expect(error?.file == "--hyp-filter")
    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
  }

  @Test func theSummaryAvoidsWERAndNamesTheBestPerRNNWeight() throws {
    let (_, report) = try run(ScoringRules(), rnnWeights: [0, 1])
    let summary = report.summaryLines(prefix: "exp/")
    #expect(
      summary == """
        # best at rnn-weight 0: 33.33 [ 1 / 3 ] exp/wer_10_0_rnn0
        # best at rnn-weight 1: 33.33 [ 1 / 3 ] exp/wer_10_0_rnn1
        # without the RNN (rnn-weight 0): 33.33 [ 1 / 3 ] exp/wer_10_0_rnn0

        """)
    #expect(!summary.contains("WER") && !summary.contains("SER"))
    let output = report.standardOutput(prefix: "exp/").split(separator: "\n")
    #expect(output.filter { $0.contains("WER") }.count == report.settings.count + 1)
    #expect(output.last.map(String.init) == report.werLine(report.bestIndex, prefix: "exp/"))
    let (_, withoutZero) = try run(ScoringRules(), rnnWeights: [0.5])
    #expect(withoutZero.summaryLines().hasSuffix("# without the RNN: rnn-weight 0 is not in the grid\n"))
  }

  @Test func bestWeightsIsAConfigOfTheBestSetting() throws {
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0, 0.25]), lmWeights: WeightGrid(values: [9.5]),
      insertionPenalties: WeightGrid(values: [-0.5]), oovCosts: WeightGrid(values: [3, 7]),
      references: [(key: "u1", words: ["a", "uh", "b"])], scratchDirectory: try TestSupport.temporaryDirectory())
    for list in Self.lists { try sweep.add(list) }
    let report = try sweep.run()
    let config = report.bestWeightsConfig(interpolation: .logLinear, scorerOOVCost: 9.21)
    let options = config.split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(
      options == ["--rnn-weights=0", "--lm-weights=9.5", "--wip=-0.5", "--interpolation=log-linear", "--unk-penalty=3"])
    let reused = WeightSweepReport(
      settings: [report.settings[0]].map {
        var s = $0
        s.oovCost = nil
        return s
      },
      summaries: [report.summaries[0]], bestIndex: 0, scored: true)
    #expect(
      reused.bestWeightsConfig(interpolation: .logLinear, scorerOOVCost: 9.210440366976517).contains(
        "--unk-penalty=9.210440366976517\n"))
    #expect(
      !reused.bestWeightsConfig(interpolation: .logLinear, scorerOOVCost: nil).split(separator: "\n").contains {
        $0.hasPrefix("--unk-penalty")
      })
  }

  @Test func aWholeTableOlderThanAPartIsRefusedAndTheSourceIsNamed() throws {
    let directory = try TestSupport.directory(with: [
      "lmwt.rnn": "u1-1 1\n", "lmwt.rnn.1": "u1-1 2\n", "lmwt.rnn.2": "",
    ])
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: directory + "/lmwt.rnn")
    let error = #expect(throws: InputError.self) { try RNNCostTable(directory: directory) }
    #expect(error?.file == directory)
    #expect(
      error?.message.contains(
        "\(directory)/lmwt.rnn and the part \(directory)/lmwt.rnn.1 are present, and the part is newer") == true)
    // A merged table written after its parts (a sweep over them) is read, and the log says so.
    try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: directory + "/lmwt.rnn")
    for part in ["lmwt.rnn.1", "lmwt.rnn.2"] {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: directory + "/" + part)
    }
    let whole = try RNNCostTable(directory: directory)
    #expect(whole.source == "RNN costs from \(directory)/lmwt.rnn (not from the older parts lmwt.rnn.1, lmwt.rnn.2)")
    try FileManager.default.removeItem(atPath: directory + "/lmwt.rnn")
    #expect(
      try RNNCostTable(directory: directory).source
        == "RNN costs from the 2 parts \(directory)/lmwt.rnn.1 ... \(directory)/lmwt.rnn.2")
  }
}
