import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

/// Lattice RNN rescoring with n-gram history merging, checked against N-best rescoring and
/// exhaustive enumeration (issue 14's exactness acceptance).
@Suite struct LatticeRNNRescorerTests {
  /// `<eps>`, the model's words, `<unk>` and two words the model lacks.
  static let symbols = SymbolTable(words: ["<eps>"] + RNNScoringSupport.words + ["<unk>", "quokka", "zebra"])

  /// Direct features of order 4 (histories of 3 tokens) on a table with random weights.
  static let direct = DirectFeatureConfig(tableSize: 300, order: 4)

  static func rescorer(
    mode: ScoringMode, cell: CellType = .lstm, oovPenalty: Double = 1.7, direct: DirectFeatureConfig? = nil
  ) -> LatticeRNNRescorer {
    LatticeRNNRescorer(
      model: RNNScoringSupport.model(cell: cell, direct: direct), mode: mode, oovCost: OOVCost(penalty: oovPenalty),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary()))
  }

  /// Every complete path of `lattice`: its arc indices and final state.
  static func paths(of lattice: Lattice) -> [(arcs: [Int], final: Int)] {
    var result: [(arcs: [Int], final: Int)] = []
    func visit(_ state: Int, _ arcs: [Int]) {
      if lattice.finals[state] != nil { result.append((arcs, state)) }
      for index in lattice.arcIndices(from: state) { visit(Int(lattice.arcs[index].target), arcs + [index]) }
    }
    if !lattice.isEmpty { visit(Int(lattice.start), []) }
    return result
  }

  /// A lattice that is the union of `list`'s hypotheses: a prefix tree of word arcs (cost 0;
  /// some preceded by an epsilon arc), and from each hypothesis' end an epsilon arc into one
  /// final state carrying its costs: graph `graphCost + ngramCost`, acoustic `acousticCost`,
  /// old LM cost `ngramCost`. Returns the lattice, the old LM costs and, per arc, the
  /// hypothesis whose end arc it is (-1 for other arcs).
  static func unionLattice(
    of list: NBestList, generator: inout SeededGenerator, symbols: SymbolTable = LatticeRNNRescorerTests.symbols
  ) -> (
    Lattice, LatticeRNNRescorer.OldLMCosts, [Int]
  ) {
    var builder = LatticeBuilder(key: list.utteranceID, kind: .compact)
    var children: [[Int32]: Int32] = [[]: 0]
    var stateCount: Int32 = 1
    var ends: [(state: Int32, hypothesis: Int)] = []
    var oldLM: [(source: Int32, arc: LatticeArc, lm: Double, hypothesis: Int)] = []
    builder.addState(0)
    for (h, hypothesis) in list.hypotheses.enumerated() {
      var prefix: [Int32] = []
      var state: Int32 = 0
      for word in hypothesis.words {
        let id = symbols.id(of: word)!
        prefix.append(id)
        if let child = children[prefix] {
          state = child
          continue
        }
        var source = state
        if generator.nextInt(below: 3) == 0 {
          oldLM.append((source, LatticeArc(target: stateCount, word: 0, weight: .one), 0, -1))
          source = stateCount
          stateCount += 1
        }
        oldLM.append((source, LatticeArc(target: stateCount, word: id, weight: .one), 0, -1))
        children[prefix] = stateCount
        state = stateCount
        stateCount += 1
      }
      ends.append((state, h))
    }
    let final = stateCount
    for (state, h) in ends {
      let hypothesis = list.hypotheses[h]
      let weight = LatticeWeight(
        graph: hypothesis.graphCost + hypothesis.ngramCost!, acoustic: hypothesis.acousticCost)
      oldLM.append((state, LatticeArc(target: final, word: 0, weight: weight), hypothesis.ngramCost!, h))
    }
    for entry in oldLM { builder.addArc(from: entry.source, entry.arc) }
    builder.setFinal(final, LatticeFinal(weight: .one))
    let lattice = builder.build(start: 0)
    // The builder keeps each state's arcs in insertion order: recover the per-arc entries.
    var lm = [Double](repeating: 0, count: lattice.arcs.count)
    var endOf = [Int](repeating: -1, count: lattice.arcs.count)
    var next = lattice.arcOffsets.map(Int.init)
    for entry in oldLM {
      let index = next[Int(entry.source)]
      next[Int(entry.source)] += 1
      lm[index] = entry.lm
      endOf[index] = entry.hypothesis
    }
    return (
      lattice, LatticeRNNRescorer.OldLMCosts(arcs: lm, finals: [Double](repeating: 0, count: lattice.stateCount)),
      endOf
    )
  }

  /// The hypothesis a path of the rescored union lattice stands for (through its end arc).
  static func hypothesis(
    of path: [Int], in result: LatticeRNNRescorer.Result, original: Lattice, endOf: [Int]
  ) -> Int {
    let ends = path.map { endOf[Int(result.expansion.originalArcs[$0])] }.filter { $0 >= 0 }
    precondition(ends.count == 1)
    return ends[0]
  }

  /// Also with direct features (order 4 against sentences of up to 6 words; the expansion
  /// order is exact, so each path's features are its own history's).
  @Test(arguments: [ScoringMode.normalized, .unnormalized], [(CellType.lstm, false), (.gru, false), (.lstm, true)])
  func unionOfNBestPathsMatchesNBestRescoring(mode: ScoringMode, variant: (cell: CellType, direct: Bool)) throws {
    let rescorer = Self.rescorer(mode: mode, cell: variant.cell, direct: variant.direct ? Self.direct : nil)
    var lists = RNNScoringSupport.lists()
    // Distinct n-gram and graph costs per hypothesis so that the weights matter.
    var generator = SeededGenerator(seed: 1414)
    for u in lists.indices {
      for h in lists[u].hypotheses.indices {
        lists[u].hypotheses[h].ngramCost = generator.nextUniformDouble() * 20
        lists[u].hypotheses[h].graphCost = generator.nextUniformDouble() * 3
      }
    }
    NBestRNNScorer(
      model: rescorer.model, vocabulary: RNNScoringSupport.vocabulary(), mode: mode, oovCost: rescorer.oovCost
    ).score(&lists)
    let weightSettings: [LatticeRNNRescorer.Weights] = [
      .init(lmWeight: 10, insertionPenalty: 0, rnnWeight: 0.5), .init(lmWeight: 1, insertionPenalty: -1, rnnWeight: 1),
      .init(lmWeight: 4, insertionPenalty: 2, rnnWeight: 0),
      .init(lmWeight: 0.5, insertionPenalty: 0.5, rnnWeight: 0.8),
      .init(lmWeight: 17, insertionPenalty: 0, rnnWeight: 0.25),
    ]
    var distinctChoices = Set<Int>()
    for list in lists {
      let (lattice, oldLM, endOf) = Self.unionLattice(of: list, generator: &generator)
      let longest = list.hypotheses.map(\.words.count).max()!
      for weights in weightSettings {
        let result = try rescorer.rescore(
          lattice, maxNgramOrder: longest + 1, oldLMCosts: oldLM, weights: weights)
        // Every path's RNN cost is its hypothesis' N-best RNN cost.
        let paths = Self.paths(of: result.lattice)
        #expect(paths.count == list.hypotheses.count)
        for path in paths {
          let h = Self.hypothesis(of: path.arcs, in: result, original: lattice, endOf: endOf)
          let rnn = path.arcs.reduce(result.finalRNNCosts[path.final]) { $0 + result.arcRNNCosts[$1] }
          let expected = list.hypotheses[h].rnnCost!
          #expect(RNNScoringSupport.isClose(rnn, expected, relative: 1e-4), "\(list.hypotheses[h].words)")
        }
        let best = try #require(
          try LatticeBestPath.find(
            in: result.lattice, lmWeight: weights.lmWeight,
            wordInsertionPenalty: weights.insertionPenalty))
        let chosen = Self.hypothesis(of: best.arcs, in: result, original: lattice, endOf: endOf)
        let expected = try ScoreCombination.bestIndex(
          of: list, rnnWeight: weights.rnnWeight, interpolation: .logLinear, lmWeight: weights.lmWeight,
          insertionPenalty: weights.insertionPenalty)
        #expect(chosen == expected, "\(list.utteranceID) \(weights)")
        let hypothesis = list.hypotheses[expected]
        let interpolated = try ScoreCombination.interpolatedCost(
          hypothesis, utteranceID: list.utteranceID, rnnWeight: weights.rnnWeight, interpolation: .logLinear)
        let total = ScoreCombination.totalCost(
          acousticCost: hypothesis.acousticCost, interpolatedCost: interpolated, wordCount: hypothesis.words.count,
          lmWeight: weights.lmWeight, insertionPenalty: weights.insertionPenalty)
        #expect(RNNScoringSupport.isClose(best.cost, total, relative: 1e-4))
        distinctChoices.insert(expected * 10 + lists.firstIndex { $0.utteranceID == list.utteranceID }!)
      }
    }
    // The weight settings are not all alike: some utterance changes its choice.
    #expect(distinctChoices.count > lists.count)
  }

  /// A random topologically sorted, connected lattice over the test symbols (epsilon arcs,
  /// parallel arcs, OOV words, several finals), with random old LM costs.
  static func randomLattice(_ generator: inout SeededGenerator, maxStates: Int = 8) -> (
    Lattice, LatticeRNNRescorer.OldLMCosts
  ) {
    let count = 2 + generator.nextInt(below: maxStates - 1)
    var builder = LatticeBuilder(key: "random", kind: .compact)
    let wordCount = Int32(symbols.count)
    for source in 0..<count - 1 {
      for _ in 0..<1 + generator.nextInt(below: 3) {
        let target = source + 1 + generator.nextInt(below: count - source - 1)
        let word = generator.nextInt(below: 4) == 0 ? 0 : 1 + Int32(generator.nextInt(below: Int(wordCount) - 1))
        builder.addArc(
          from: Int32(source),
          LatticeArc(
            target: Int32(target), word: word,
            weight: LatticeWeight(
              graph: generator.nextUniformDouble() * 10, acoustic: generator.nextUniformDouble() * 100)))
      }
    }
    builder.setFinal(Int32(count - 1), LatticeFinal(weight: LatticeWeight(graph: 1, acoustic: 3)))
    for state in 0..<count - 1 where generator.nextInt(below: 4) == 0 {
      builder.setFinal(
        Int32(state), LatticeFinal(weight: LatticeWeight(graph: generator.nextUniformDouble() * 5, acoustic: 2)))
    }
    let lattice = LatticeTopology.connected(builder.build(start: 0)).lattice
    let arcs = lattice.arcs.map { $0.weight.graph * generator.nextUniformDouble() }
    let finals = lattice.finals.map { ($0?.weight.graph ?? 0) * generator.nextUniformDouble() }
    return (lattice, LatticeRNNRescorer.OldLMCosts(arcs: arcs, finals: finals))
  }

  @Test(arguments: [ScoringMode.normalized, .unnormalized])
  func bestPathEqualsExhaustiveEnumerationWithExactScores(mode: ScoringMode) throws {
    let rescorer = Self.rescorer(mode: mode)
    let vocabulary = RNNScoringSupport.vocabulary()
    var generator = SeededGenerator(seed: 1402 + (mode == .normalized ? 0 : 1))
    for round in 0..<40 {
      let (lattice, oldLM) = Self.randomLattice(&generator)
      let weights = LatticeRNNRescorer.Weights(
        lmWeight: 1 + generator.nextUniformDouble() * 15, insertionPenalty: generator.nextUniformDouble() * 4 - 2,
        rnnWeight: [0, 0.3, 0.7, 1][generator.nextInt(below: 4)])
      let result = try rescorer.rescore(
        lattice, maxNgramOrder: lattice.stateCount + 1, oldLMCosts: oldLM, weights: weights)
      let best = try #require(
        try LatticeBestPath.find(
          in: result.lattice, lmWeight: weights.lmWeight, wordInsertionPenalty: weights.insertionPenalty))
      // Exhaustive: every path of the original lattice, its words scored exactly as a sentence.
      let paths = Self.paths(of: lattice)
      var list = NBestList(
        utteranceID: "random",
        hypotheses: paths.enumerated().map { rank, path in
          NBestHypothesis(
            rank: rank + 1,
            words: path.arcs.compactMap {
              lattice.arcs[$0].word == 0 ? nil : Self.symbols.word(of: lattice.arcs[$0].word)
            },
            acousticCost: 0)
        })
      var lists = [list]
      NBestRNNScorer(model: rescorer.model, vocabulary: vocabulary, mode: mode, oovCost: rescorer.oovCost).score(&lists)
      list = lists[0]
      var bestCost = Double.infinity
      var bestWords: [String] = []
      for (path, hypothesis) in zip(paths, list.hypotheses) {
        let final = lattice.finals[path.final]!
        var graph = final.weight.graph
        var acoustic = final.weight.acoustic
        var old = oldLM.finals[path.final]
        for index in path.arcs {
          graph += lattice.arcs[index].weight.graph
          acoustic += lattice.arcs[index].weight.acoustic
          old += oldLM.arcs[index]
        }
        let w = weights.rnnWeight
        var cost = graph - old + acoustic / weights.lmWeight + weights.insertionPenalty * Double(hypothesis.words.count)
        if w != 0 { cost += w * hypothesis.rnnCost! }
        if w != 1 { cost += (1 - w) * old }
        if cost < bestCost {
          bestCost = cost
          bestWords = hypothesis.words
        }
      }
      #expect(RNNScoringSupport.isClose(best.cost, bestCost, relative: 1e-4), "round \(round)")
      #expect(best.words.map { Self.symbols.word(of: $0)! } == bestWords, "round \(round)")
    }
  }

  /// Rescoring a group of lattices together (shared batches per level) gives each lattice its
  /// own result: the same expansion, words and weights, and costs within float rounding; an
  /// empty lattice in the group stays empty; pruning and ARPA sources apply per lattice; also
  /// with direct features.
  @Test(arguments: [ScoringMode.normalized, .unnormalized], [false, true])
  func groupRescoringEqualsOneLatticeAtATime(mode: ScoringMode, direct: Bool) throws {
    let rescorer = Self.rescorer(mode: mode, direct: direct ? Self.direct : nil)
    var generator = SeededGenerator(seed: 1438)
    var lattices: [Lattice] = []
    var sources: [LatticeRNNRescorer.OldLMSource] = []
    for index in 0..<12 {
      if index == 5 {
        lattices.append(LatticeBuilder(key: "empty", kind: .compact).build(start: -1))
        sources.append(.none)
        continue
      }
      let (lattice, oldLM) = Self.randomLattice(&generator, maxStates: 12)
      lattices.append(lattice)
      sources.append(index % 2 == 0 ? .given(oldLM) : .none)
    }
    let weights = LatticeRNNRescorer.Weights(lmWeight: 6, insertionPenalty: 0.3, rnnWeight: 0.6)
    for pruning in [LatticeRNNRescorer.Pruning.none, .init(beam: 3, maxArcs: 40)] {
      let together = try rescorer.rescore(
        lattices, maxNgramOrder: 3, oldLM: sources, weights: weights, pruning: pruning)
      #expect(together.count == lattices.count)
      for (index, lattice) in lattices.enumerated() {
        let alone = try rescorer.rescore(
          lattice, maxNgramOrder: 3, oldLM: sources[index], weights: weights, pruning: pruning)
        let group = together[index]
        #expect(group.lattice.key == lattice.key && group.lattice.stateCount == alone.lattice.stateCount)
        #expect(group.expansion.originalArcs == alone.expansion.originalArcs)
        #expect(group.lattice.arcs.map(\.word) == alone.lattice.arcs.map(\.word))
        #expect(group.rnnStates == alone.rnnStates)
        for (a, b) in zip(group.lattice.arcs, alone.lattice.arcs) {
          #expect(RNNScoringSupport.isClose(a.weight.graph, b.weight.graph, relative: 1e-5), "lattice \(index)")
        }
        for (a, b) in zip(group.finalRNNCosts, alone.finalRNNCosts) {
          #expect(RNNScoringSupport.isClose(a, b, relative: 1e-5), "lattice \(index)")
        }
      }
    }
  }
}
