import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

@Suite struct NBestRNNScorerTests {
  /// Prefix-tree costs equal flat `SentenceScorer` costs word by word (the tree runs the LSTM
  /// one step at a time on gathered states, the flat scorer all steps at once; only float
  /// rounding differs, so 1e-4 relative is ample).
  @Test(arguments: [ScoringMode.normalized, .unnormalized], [CellType.lstm, .gru])
  func treeCostsEqualFlatCosts(mode: ScoringMode, cell: CellType) {
    let model = RNNScoringSupport.model(cell: cell)
    let vocabulary = RNNScoringSupport.vocabulary()
    var lists = RNNScoringSupport.lists()
    let flat = RNNScoringSupport.flatWordCosts(lists, model: model, vocabulary: vocabulary, mode: mode)
    let scorer = NBestRNNScorer(
      model: model, vocabulary: vocabulary, mode: mode, oovCost: OOVCost(penalty: 0), chunkHypotheses: 4)
    scorer.score(&lists)
    let tree = lists.flatMap(\.hypotheses)
    #expect(tree.count == flat.count)
    for (hypothesis, reference) in zip(tree, flat) {
      let costs = hypothesis.rnnWordCosts ?? []
      #expect(costs.count == reference.count)
      for (a, b) in zip(costs, reference) {
        #expect(RNNScoringSupport.isClose(a, Double(b), relative: 1e-4), "\(hypothesis.words): \(a) vs \(b)")
      }
      let total = reference.reduce(0.0) { $0 + Double($1) }
      #expect(RNNScoringSupport.isClose(hypothesis.rnnCost ?? .nan, total, relative: 1e-4))
    }
  }

  /// With direct n-gram features (order 4, so histories reach back over several tree levels) the
  /// tree knows each node's history: its costs equal the flat scorer's, and the features change
  /// the costs (a model with a zero table would pass trivially).
  @Test(arguments: [ScoringMode.normalized, .unnormalized])
  func treeCostsEqualFlatCostsWithDirectFeatures(mode: ScoringMode) {
    let model = RNNScoringSupport.model(direct: DirectFeatureConfig(tableSize: 300, order: 4))
    let plain = RNNScoringSupport.model()
    let vocabulary = RNNScoringSupport.vocabulary()
    var lists = RNNScoringSupport.lists()
    let flat = RNNScoringSupport.flatWordCosts(lists, model: model, vocabulary: vocabulary, mode: mode)
    let withoutDirect = RNNScoringSupport.flatWordCosts(lists, model: plain, vocabulary: vocabulary, mode: mode)
    #expect(flat != withoutDirect)
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: mode, oovCost: OOVCost(penalty: 0), chunkHypotheses: 4)
      .score(&lists)
    for (hypothesis, reference) in zip(lists.flatMap(\.hypotheses), flat) {
      let costs = hypothesis.rnnWordCosts ?? []
      #expect(costs.count == reference.count)
      for (a, b) in zip(costs, reference) {
        #expect(RNNScoringSupport.isClose(a, Double(b), relative: 1e-4), "\(hypothesis.words): \(a) vs \(b)")
      }
    }
  }

  /// A full-NCE model (GRU index module) scores through its index module, not the unused
  /// output layer: tree costs equal the flat scorer's, and normalized scoring is refused.
  @Test func indexModuleModelsScoreUnnormalizedOnly() throws {
    var config = ModelConfig(vocabularySize: Vocabulary.reservedWords.count + RNNScoringSupport.words.count)
    config.embeddingSize = 8
    config.hiddenSize = 8
    config.layers = 1
    config.cell = .gru
    config.loss = .nce
    config.dropout = 0
    config.indexModule = .gru
    try config.validate()
    var rng = SeededGenerator(seed: 3)
    let model = RNNLanguageModel(config: config, using: &rng)
    let vocabulary = RNNScoringSupport.vocabulary()
    var lists = RNNScoringSupport.lists()
    let flat = RNNScoringSupport.flatWordCosts(lists, model: model, vocabulary: vocabulary, mode: .unnormalized)
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: .unnormalized, oovCost: OOVCost(penalty: 0)).score(
      &lists)
    for (hypothesis, reference) in zip(lists.flatMap(\.hypotheses), flat) {
      for (a, b) in zip(hypothesis.rnnWordCosts ?? [], reference) {
        #expect(RNNScoringSupport.isClose(a, Double(b), relative: 1e-4))
      }
    }
    #expect(throws: PerplexityUndefinedError.self) { try model.checkSupports(.normalized) }
  }

  @Test func identicalHypothesesAreScoredOnceAndPrefixesShared() {
    var lists = RNNScoringSupport.lists()
    let scorer = NBestRNNScorer(
      model: RNNScoringSupport.model(), vocabulary: RNNScoringSupport.vocabulary(), mode: .unnormalized,
      oovCost: OOVCost(penalty: 0), chunkHypotheses: 1000)
    let statistics = scorer.score(&lists)
    #expect(statistics.hypotheses == 13)
    // "the cat sat on the mat" twice in u1; "quokka quokka" and "a big zebra hat" map to
    // <unk> ids but differ from every other sequence.
    #expect(statistics.distinctHypotheses == 12)
    #expect(statistics.flatTokens == lists.flatMap(\.hypotheses).reduce(0) { $0 + $1.words.count + 1 })
    #expect(statistics.treeSteps < statistics.flatTokens)
    let u1 = lists[0].hypotheses
    #expect(u1[0].rnnWordCosts == u1[3].rnnWordCosts)
    // Shared prefix "the cat sat": identical costs for its words in three hypotheses.
    #expect(Array(u1[0].rnnWordCosts![0..<3]) == Array(u1[2].rnnWordCosts![0..<3]))
  }

  @Test func oovWordsCostUnkPlusThePenalty() {
    let model = RNNScoringSupport.model()
    let vocabulary = RNNScoringSupport.vocabulary()
    var plain = RNNScoringSupport.lists()
    var penalised = plain
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: 0)).score(&plain)
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: 3.5))
      .score(&penalised)
    for (a, b) in zip(plain.flatMap(\.hypotheses), penalised.flatMap(\.hypotheses)) {
      let oovCount = a.words.filter { !RNNScoringSupport.words.contains($0) && $0 != "<unk>" }.count
      for (i, word) in a.words.enumerated() {
        let isOOV = !RNNScoringSupport.words.contains(word) && word != "<unk>"
        #expect(b.rnnWordCosts![i] == a.rnnWordCosts![i] + (isOOV ? 3.5 : 0))
      }
      #expect(abs(b.rnnCost! - a.rnnCost! - 3.5 * Double(oovCount)) < 1e-9)
    }
    // "quokka quokka": two OOV words; "the <unk> sat": <unk> itself is not penalised.
    #expect(abs(penalised[2].hypotheses[2].rnnCost! - plain[2].hypotheses[2].rnnCost! - 7) < 1e-9)
    #expect(penalised[2].hypotheses[3].rnnCost == plain[2].hypotheses[3].rnnCost)
    #expect(penalised[2].hypotheses[2].oovPositions == [0, 1] && penalised[2].hypotheses[3].oovPositions == [])
  }

  /// A sweep over OOV costs on lists scored once equals separate sweeps on lists rescored with
  /// each OOV cost: same WER totals per setting and the same best text, for log-linear and
  /// per-word linear interpolation.
  @Test(arguments: [LMInterpolation.logLinear, .linear])
  func oovCostSweepEqualsRescoringWithEachCost(interpolation: LMInterpolation) throws {
    let model = RNNScoringSupport.model()
    let vocabulary = RNNScoringSupport.vocabulary()
    // u4: an all-OOV first hypothesis with a 20-nat acoustic advantage; it wins at OOV cost 0
    // and loses at 30.
    let u4 = NBestList(
      utteranceID: "u4",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["zebra", "quokka"], acousticCost: 0, graphCost: 0.1, ngramCost: 5),
        NBestHypothesis(rank: 2, words: ["the", "cat"], acousticCost: 20, graphCost: 0.1, ngramCost: 5),
      ])
    func scored(_ penalty: Double) -> [NBestList] {
      var lists = RNNScoringSupport.lists() + [u4]
      NBestRNNScorer(model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: penalty)).score(
        &lists)
      // Per-word n-gram costs for the linear rule: a fixed 2.5 nats per word.
      for u in lists.indices {
        for h in lists[u].hypotheses.indices {
          lists[u].hypotheses[h].setNgramWordCosts(Array(repeating: 2.5, count: lists[u].hypotheses[h].words.count + 1))
        }
      }
      return lists
    }
    let references = (RNNScoringSupport.lists() + [u4]).map { (key: $0.utteranceID, words: $0.hypotheses[1].words) }
    let rnn = WeightGrid(values: [0.5, 1])
    let lmwt = WeightGrid(values: [1, 4, 100])
    let wip = WeightGrid(values: [-2, 0])
    let costs = WeightGrid(values: [1, 0, 30])
    let swept = try WeightSweep(
      rnnWeights: rnn, lmWeights: lmwt, insertionPenalties: wip, oovCosts: costs, baseOOVCost: 1,
      interpolation: interpolation, references: references)
    for list in scored(1) { try swept.add(list) }
    let report = try swept.run()
    #expect(report.settings.count == 36)
    for (index, cost) in costs.values.enumerated() {
      let single = try WeightSweep(
        rnnWeights: rnn, lmWeights: lmwt, insertionPenalties: wip, interpolation: interpolation, references: references)
      for list in scored(cost) { try single.add(list) }
      let expected = try single.run()
      for (i, setting) in expected.settings.enumerated() {
        let j = try #require(
          report.settings.firstIndex {
            $0.rnnWeight == setting.rnnWeight && $0.lmWeight == setting.lmWeight
              && $0.insertionPenalty == setting.insertionPenalty && $0.oovCost?.value == cost
          })
        #expect(report.summaries[j].counts == expected.summaries[i].counts, "\(report.settings[j].werName)")
        #expect(report.settings[j].werName.hasSuffix("_unk\(costs.labels[index])"))
        #expect(try swept.selectedText(setting: j) == single.selectedText(setting: i))
      }
    }
    // The OOV cost matters here: some setting chooses differently with 0 and 30 nats.
    var differs = false
    for (j, setting) in report.settings.enumerated() where setting.oovCost?.value == 0 {
      let dear = try #require(
        report.settings.firstIndex {
          $0.rnnWeight == setting.rnnWeight && $0.lmWeight == setting.lmWeight
            && $0.insertionPenalty == setting.insertionPenalty && $0.oovCost?.value == 30
        })
      differs = try differs || swept.selectedText(setting: j) != swept.selectedText(setting: dear)
    }
    #expect(differs)
  }

  @Test func resultsAreIdenticalBetweenRunsAndThreadCounts() {
    let model = RNNScoringSupport.model()
    let vocabulary = RNNScoringSupport.vocabulary()
    var runs: [[NBestList]] = []
    for threads in [1, 2, 1, 3] {
      var lists = RNNScoringSupport.lists()
      NBestRNNScorer(
        model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: 1), threads: threads,
        chunkHypotheses: 4
      ).score(&lists)
      runs.append(lists)
    }
    for run in runs.dropFirst() { #expect(run == runs[0]) }
  }
}
