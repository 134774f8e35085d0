import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

@Suite struct LatticeExpansionTests {
  /// The last `length` words of `words`.
  static func suffix(_ words: [Int32], _ length: Int) -> [Int32] { Array(words.suffix(length)) }

  /// Brute force: walk every path prefix from the start; the states are the distinct
  /// (state, last n-1 words) pairs met, the arcs the distinct (source pair, arc index) steps.
  static func bruteForce(_ lattice: Lattice, order: Int) -> (
    states: Set<[Int32]>, arcs: Set<[Int32]>
  ) {
    var states = Set<[Int32]>()
    var arcs = Set<[Int32]>()
    func visit(_ state: Int, _ words: [Int32]) {
      let history = suffix(words, order - 1)
      states.insert([Int32(state)] + history)
      for index in lattice.arcIndices(from: state) {
        let arc = lattice.arcs[index]
        let next = arc.word == 0 ? words : words + [arc.word]
        arcs.insert([Int32(state)] + history + [-1, Int32(index), -1, arc.target] + suffix(next, order - 1))
        visit(Int(arc.target), next)
      }
    }
    if !lattice.isEmpty { visit(Int(lattice.start), []) }
    return (states, arcs)
  }

  /// Complete paths as sequences of original arc indices.
  static func pathSet(
    start: Int, arcIndices: (Int) -> Range<Int>, target: (Int) -> Int, original: (Int) -> Int, isFinal: (Int) -> Bool
  ) -> [[Int]] {
    var result: [[Int]] = []
    func visit(_ state: Int, _ path: [Int]) {
      if isFinal(state) { result.append(path) }
      for arc in arcIndices(state) { visit(target(arc), path + [original(arc)]) }
    }
    visit(start, [])
    return result.sorted { $0.lexicographicallyPrecedes($1) }
  }

  @Test(arguments: [1, 2, 3, 4, 9])
  func expansionEqualsBruteForceHistoryMerge(order: Int) throws {
    var generator = SeededGenerator(seed: 1500 + UInt64(order))
    for round in 0..<60 {
      let (lattice, _) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 9)
      let expansion = try LatticeExpansion(lattice, maxNgramOrder: order)
      let reference = Self.bruteForce(lattice, order: order)
      #expect(expansion.stateCount == reference.states.count, "round \(round)")
      #expect(expansion.arcCount == reference.arcs.count, "round \(round)")
      var states = Set<[Int32]>()
      for x in 0..<expansion.stateCount {
        states.insert([expansion.originalStates[x]] + expansion.histories[x])
        #expect(expansion.histories[x].count <= order - 1)
      }
      #expect(states == reference.states, "round \(round)")
      var arcs = Set<[Int32]>()
      for x in 0..<expansion.stateCount {
        for arc in expansion.arcIndices(from: x) {
          let target = Int(expansion.arcTargets[arc])
          #expect(target > x)  // topologically sorted
          arcs.insert(
            [expansion.originalStates[x]] + expansion.histories[x] + [-1, expansion.originalArcs[arc], -1]
              + [expansion.originalStates[target]] + expansion.histories[target])
        }
      }
      #expect(arcs == reference.arcs, "round \(round)")
      let expandedPaths = Self.pathSet(
        start: 0, arcIndices: { expansion.arcIndices(from: $0) }, target: { Int(expansion.arcTargets[$0]) },
        original: { Int(expansion.originalArcs[$0]) },
        isFinal: { lattice.finals[Int(expansion.originalStates[$0])] != nil })
      let originalPaths = Self.pathSet(
        start: Int(lattice.start), arcIndices: { lattice.arcIndices(from: $0) },
        target: { Int(lattice.arcs[$0].target) }, original: { $0 }, isFinal: { lattice.finals[$0] != nil })
      #expect(expandedPaths == originalPaths, "round \(round)")
    }
  }

  @Test func unsortedLatticesAreRefused() {
    var builder = LatticeBuilder(key: "u", kind: .compact)
    builder.addArc(from: 0, LatticeArc(target: 2, word: 1, weight: .one))
    builder.addArc(from: 2, LatticeArc(target: 1, word: 2, weight: .one))
    builder.setFinal(1, LatticeFinal(weight: .one))
    let error = #expect(throws: InputError.self) {
      try LatticeExpansion(builder.build(start: 0), maxNgramOrder: 3)
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("topologically sorted"))
  }

  /// Two paths "a x" and "b x" merge at order 2; the arc after the merge is scored from the RNN
  /// state of the cheaper path (whichever it is), exactly as that sentence prefix.
  @Test(arguments: [true, false])
  func mergedStateKeepsTheBestPathsRNNState(aIsBetter: Bool) throws {
    let symbols = LatticeRNNRescorerTests.symbols
    func id(_ word: String) -> Int32 { symbols.id(of: word)! }
    var builder = LatticeBuilder(key: "m", kind: .compact)
    let cheap = LatticeWeight(graph: 0, acoustic: 1)
    let dear = LatticeWeight(graph: 0, acoustic: 50)
    builder.addArc(from: 0, LatticeArc(target: 1, word: id("the"), weight: aIsBetter ? cheap : dear))
    builder.addArc(from: 0, LatticeArc(target: 2, word: id("a"), weight: aIsBetter ? dear : cheap))
    builder.addArc(from: 1, LatticeArc(target: 3, word: id("cat"), weight: .one))
    builder.addArc(from: 2, LatticeArc(target: 3, word: id("cat"), weight: .one))
    builder.addArc(from: 3, LatticeArc(target: 4, word: id("sat"), weight: .one))
    builder.setFinal(4, LatticeFinal(weight: .one))
    let lattice = builder.build(start: 0)
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .normalized)
    let result = try rescorer.rescore(
      lattice, maxNgramOrder: 2, weights: .init(lmWeight: 1, insertionPenalty: 0, rnnWeight: 1))
    #expect(result.expansion.stateCount == 5)  // 0, 1, 2, (3, cat), (4, sat)
    var lists = [
      NBestList(
        utteranceID: "m",
        hypotheses: [
          NBestHypothesis(rank: 1, words: [aIsBetter ? "the" : "a", "cat", "sat"], acousticCost: 0)
        ])
    ]
    NBestRNNScorer(
      model: rescorer.model, vocabulary: RNNScoringSupport.vocabulary(), mode: .normalized, oovCost: rescorer.oovCost
    ).score(&lists)
    let exact = lists[0].hypotheses[0].rnnWordCosts!
    let satArc = result.expansion.arcIndices(from: 3).first!
    #expect(RNNScoringSupport.isClose(result.arcRNNCosts[satArc], exact[2], relative: 1e-5))
    #expect(RNNScoringSupport.isClose(result.finalRNNCosts[4], exact[3], relative: 1e-5))
    // Statistics: <s>, the, a, (cat from the best), sat.
    #expect(result.rnnStates == 5)
    #expect(result.rnnTargets == 6)  // the, a, cat, cat, sat, </s>
  }

  /// Bad inputs are the lattice's errors, not crashes; an empty lattice rescores to an empty
  /// one; state times, words, acoustic costs and alignments are carried to the expanded states.
  @Test func rescorerInputsAndCarriedFields() throws {
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .unnormalized)
    let weights = LatticeRNNRescorer.Weights(lmWeight: 2, insertionPenalty: 0, rnnWeight: 0.5)
    var builder = LatticeBuilder(key: "c", kind: .compact)
    let alignment = builder.appendTransitionIDs([5, 6, 7])
    builder.addArc(
      from: 0, LatticeArc(target: 1, word: 1, weight: LatticeWeight(graph: 1, acoustic: 2), alignment: alignment))
    builder.addArc(from: 0, LatticeArc(target: 2, word: 2, weight: LatticeWeight(graph: 1.5, acoustic: 3)))
    builder.addArc(from: 1, LatticeArc(target: 3, word: 3, weight: .one))
    builder.addArc(from: 2, LatticeArc(target: 3, word: 3, weight: .one))
    builder.setFinal(3, LatticeFinal(weight: LatticeWeight(graph: 0.5, acoustic: 0)))
    let lattice = builder.build(start: 0, stateTimes: [0, 0.5, 0.6, 1.2])
    let result = try rescorer.rescore(lattice, maxNgramOrder: 3, weights: weights)
    #expect(result.lattice.stateCount == 5)
    #expect(result.lattice.stateTimes == [0, 0.5, 0.6, 1.2, 1.2])
    #expect(result.lattice.arcs.map(\.word) == lattice.arcs.map(\.word))
    #expect(result.lattice.transitionIDs(result.lattice.arcs[0].alignment) == [5, 6, 7])
    #expect(result.lattice.arcs[1].weight.acoustic == 3)
    // g' = g + w*rnn (no old LM cost).
    #expect(abs(result.lattice.arcs[1].weight.graph - (1.5 + 0.5 * result.arcRNNCosts[1])) < 1e-12)
    #expect(abs(result.lattice.finals[3]!.weight.graph - (0.5 + 0.5 * result.finalRNNCosts[3])) < 1e-12)
    #expect(result.finalRNNCosts[3] != result.finalRNNCosts[4])  // different histories

    let empty = try rescorer.rescore(
      LatticeBuilder(key: "e", kind: .compact).build(start: -1), maxNgramOrder: 3, weights: weights)
    #expect(empty.lattice.isEmpty && empty.rnnStates == 0)

    #expect(throws: InputError.self) {
      try rescorer.rescore(
        lattice, maxNgramOrder: 3, oldLMCosts: .init(arcs: [0, 0], finals: [0, 0, 0, 0]), weights: weights)
    }
    var unknown = LatticeBuilder(key: "w", kind: .compact)
    unknown.addArc(from: 0, LatticeArc(target: 1, word: Int32(rescorer.tokens.wordCount), weight: .one))
    unknown.setFinal(1, LatticeFinal(weight: .one))
    let error = #expect(throws: InputError.self) {
      try rescorer.rescore(unknown.build(start: 0), maxNgramOrder: 3, weights: weights)
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("not in the symbol table"))
  }
}
