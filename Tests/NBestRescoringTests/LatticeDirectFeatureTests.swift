import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

/// Lattice rescoring of models with direct n-gram features: the features of a merged state
/// are those of the path whose RNN state it keeps, and a table of zeros changes nothing.
@Suite struct LatticeDirectFeatureTests {
  static let symbols = LatticeRNNRescorerTests.symbols

  /// The words (lattice words = model tokens here) of the best path into every state of the
  /// rescored `lattice` (topologically sorted) under `weights`' decision rule, ties to the first.
  static func bestPathWords(into lattice: Lattice, weights: LatticeRNNRescorer.Weights) -> [[String]?] {
    var cost = [Double](repeating: .infinity, count: lattice.stateCount)
    var words = [[String]?](repeating: nil, count: lattice.stateCount)
    cost[Int(lattice.start)] = 0
    words[Int(lattice.start)] = []
    for state in 0..<lattice.stateCount where words[state] != nil {
      for index in lattice.arcIndices(from: state) {
        let arc = lattice.arcs[index]
        var through = cost[state] + arc.weight.cost(lmWeight: weights.lmWeight)
        if arc.word != 0 { through += weights.insertionPenalty }
        let target = Int(arc.target)
        if through < cost[target] || words[target] == nil {
          cost[target] = through
          words[target] = words[state]! + (arc.word == 0 ? [] : [symbols.word(of: arc.word)!])
        }
      }
    }
    return words
  }

  /// Direct order 4 against expansion order 2 (histories merged after one word): every word
  /// arc's RNN cost, and every final's `</s>` cost, is the cost `SentenceScorer` gives that word
  /// after the words of the best path into its state, the path whose RNN state the state keeps.
  /// The other paths into a state would often give other costs (checked: the choice matters).
  @Test(arguments: [ScoringMode.normalized, .unnormalized])
  func mergedStatesScoreWithTheFeaturesOfTheirBestPath(mode: ScoringMode) throws {
    let penalty = 1.7
    let rescorer = LatticeRNNRescorerTests.rescorer(
      mode: mode, oovPenalty: penalty, direct: LatticeRNNRescorerTests.direct)
    let vocabulary = RNNScoringSupport.vocabulary()
    let scorer = SentenceScorer(model: rescorer.model, mode: mode, batchSize: 4)
    var generator = SeededGenerator(seed: 1515 + (mode == .normalized ? 0 : 1))
    var checked = 0
    var differingAlternatives = 0
    for round in 0..<25 {
      let (lattice, oldLM) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 10)
      let weights = LatticeRNNRescorer.Weights(
        lmWeight: 1 + generator.nextUniformDouble() * 10, insertionPenalty: generator.nextUniformDouble() - 0.5,
        rnnWeight: [0.3, 0.7, 1][generator.nextInt(below: 3)])
      let result = try rescorer.rescore(lattice, maxNgramOrder: 2, oldLMCosts: oldLM, weights: weights)
      let rescored = result.lattice
      let best = Self.bestPathWords(into: rescored, weights: weights)
      // For each state: its best path's words and the best words through each incoming arc.
      var candidates = [[[String]]](repeating: [], count: rescored.stateCount)
      for state in 0..<rescored.stateCount {
        guard let words = best[state] else { continue }
        for index in rescored.arcIndices(from: state) {
          let arc = rescored.arcs[index]
          candidates[Int(arc.target)].append(words + (arc.word == 0 ? [] : [Self.symbols.word(of: arc.word)!]))
        }
      }
      // Sentences to score: each (history, next word) as history + [word]; finals as history.
      var sentences: [[String]] = []
      var expected: [(cost: Double, alternatives: [Int], index: Int)] = []
      func expect(_ cost: Double, history: [String], word: String?, alternatives: [[String]]) {
        func sentence(_ history: [String]) -> Int {
          sentences.append(history + (word.map { [$0] } ?? []))
          return sentences.count - 1
        }
        let own = sentence(history)
        let others = alternatives.filter { $0 != history }.map(sentence)
        var arcCost = cost
        if let word, word != Vocabulary.unkWord, vocabulary.id(of: word) == Vocabulary.unkID { arcCost -= penalty }
        expected.append((arcCost, others, own))
      }
      for state in 0..<rescored.stateCount {
        guard let history = best[state] else { continue }
        for index in rescored.arcIndices(from: state) where rescored.arcs[index].word != 0 {
          expect(
            result.arcRNNCosts[index], history: history, word: Self.symbols.word(of: rescored.arcs[index].word)!,
            alternatives: candidates[state])
        }
        if rescored.finals[state] != nil {
          expect(result.finalRNNCosts[state], history: history, word: nil, alternatives: candidates[state])
        }
      }
      let ids = sentences.map { $0.map { vocabulary.id(of: $0) }[...] }
      let wordCosts = scorer.score(ids, keepWordCosts: true).wordCosts
      // The cost of a sentence's last word, or of its </s> for a final's history.
      func lastCost(_ k: Int, final: Bool) -> Double {
        Double(final ? wordCosts[k].last! : wordCosts[k][sentences[k].count - 1])
      }
      var k = 0
      for state in 0..<rescored.stateCount where best[state] != nil {
        let arcs = rescored.arcIndices(from: state).filter { rescored.arcs[$0].word != 0 }.count
        for i in 0..<(arcs + (rescored.finals[state] != nil ? 1 : 0)) {
          let entry = expected[k]
          let final = i == arcs
          let own = lastCost(entry.index, final: final)
          #expect(RNNScoringSupport.isClose(entry.cost, own, relative: 1e-4), "round \(round) state \(state)")
          differingAlternatives += entry.alternatives.filter { abs(lastCost($0, final: final) - own) > 1e-3 }.count
          checked += 1
          k += 1
        }
      }
    }
    #expect(checked > 200)
    #expect(differingAlternatives > 20, "merging never mattered: the test cannot tell the features apart")
  }

  /// A direct table of zeros gives exactly the costs of the same network without direct
  /// features (merged histories, several lattices in one group); random weights change them.
  @Test(arguments: [ScoringMode.normalized, .unnormalized])
  func aTableOfZerosChangesNothing(mode: ScoringMode) throws {
    let plain = LatticeRNNRescorerTests.rescorer(mode: mode)
    let direct = LatticeRNNRescorerTests.rescorer(mode: mode, direct: LatticeRNNRescorerTests.direct)
    let zeros = LatticeRNNRescorerTests.rescorer(mode: mode, direct: LatticeRNNRescorerTests.direct)
    let table = try #require(zeros.model.output.direct?.weight)
    table.value = Matrix(rows: table.value.rows, cols: 1)
    var generator = SeededGenerator(seed: 1516)
    var lattices: [Lattice] = []
    var sources: [LatticeRNNRescorer.OldLMSource] = []
    for _ in 0..<8 {
      let (lattice, oldLM) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 10)
      lattices.append(lattice)
      sources.append(.given(oldLM))
    }
    let weights = LatticeRNNRescorer.Weights(lmWeight: 5, insertionPenalty: 0.5, rnnWeight: 0.5)
    func rescore(_ rescorer: LatticeRNNRescorer) throws -> [LatticeRNNRescorer.Result] {
      try rescorer.rescore(lattices, maxNgramOrder: 2, oldLM: sources, weights: weights)
    }
    let (expected, withZeros, withWeights) = (try rescore(plain), try rescore(zeros), try rescore(direct))
    var changed = 0
    for (index, result) in withZeros.enumerated() {
      #expect(result.arcRNNCosts == expected[index].arcRNNCosts, "lattice \(index)")
      #expect(result.finalRNNCosts == expected[index].finalRNNCosts, "lattice \(index)")
      #expect(result.lattice.arcs.map(\.weight) == expected[index].lattice.arcs.map(\.weight), "lattice \(index)")
      changed += zip(withWeights[index].arcRNNCosts, expected[index].arcRNNCosts).filter { abs($0 - $1) > 1e-3 }.count
    }
    #expect(changed > 20)
  }
}
