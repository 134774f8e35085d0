import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

/// Best-first pruned expansion (`--lattice-compose-beam`, `--max-arcs`).
@Suite struct LatticePruningTests {
  static func sameResult(_ a: LatticeRNNRescorer.Result, _ b: LatticeRNNRescorer.Result) -> Bool {
    a.lattice.arcs == b.lattice.arcs && a.lattice.finals == b.lattice.finals
      && a.lattice.arcOffsets == b.lattice.arcOffsets
      && a.arcRNNCosts == b.arcRNNCosts && a.finalRNNCosts == b.finalRNNCosts
      && a.expansion.originalArcs == b.expansion.originalArcs && a.expansion.histories == b.expansion.histories
      && a.rnnStates == b.rnnStates && a.batches == b.batches
  }

  /// With nothing to prune (a beam and an arc limit no path comes near) the pruning code path
  /// gives the unpruned result bit for bit; `Pruning.none` is the unpruned call.
  @Test(arguments: [ScoringMode.normalized, .unnormalized])
  func nothingPrunedIsTheUnprunedResultBitForBit(mode: ScoringMode) throws {
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: mode)
    var generator = SeededGenerator(seed: 1435)
    for round in 0..<30 {
      let (lattice, oldLM) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 10)
      let weights = LatticeRNNRescorer.Weights(
        lmWeight: 1 + generator.nextUniformDouble() * 10, insertionPenalty: generator.nextUniformDouble() - 0.5,
        rnnWeight: [0, 0.5, 1][generator.nextInt(below: 3)])
      let order = 1 + generator.nextInt(below: 4)
      let unpruned = try rescorer.rescore(lattice, maxNgramOrder: order, oldLMCosts: oldLM, weights: weights)
      let none = try rescorer.rescore(
        lattice, maxNgramOrder: order, oldLM: .given(oldLM), weights: weights, pruning: .none)
      let wide = try rescorer.rescore(
        lattice, maxNgramOrder: order, oldLM: .given(oldLM), weights: weights,
        pruning: .init(beam: 1e300, maxArcs: 1 << 40))
      #expect(Self.sameResult(unpruned, none), "round \(round)")
      #expect(Self.sameResult(unpruned, wide), "round \(round)")
      #expect(wide.unprunedArcCount == unpruned.expansion.arcCount)
    }
  }

  /// With the exact heuristic (RNN weight 0 and no old LM: the rescored costs are the original
  /// ones, so the original backward costs are exact; order above the path length: no merging),
  /// every beam >= 0 keeps a sub-lattice of the unpruned expansion (same states, arcs and costs)
  /// that contains the unpruned best path; a wide beam keeps everything, and arcs only grow
  /// with the beam.
  @Test func exactHeuristicKeepsTheBestPathInASubLattice() throws {
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .normalized)
    var generator = SeededGenerator(seed: 1436)
    for round in 0..<40 {
      let (lattice, _) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 10)
      let weights = LatticeRNNRescorer.Weights(
        lmWeight: 1 + generator.nextUniformDouble() * 10, insertionPenalty: generator.nextUniformDouble() - 0.5,
        rnnWeight: 0)
      let order = lattice.stateCount + 1
      let unpruned = try rescorer.rescore(lattice, maxNgramOrder: order, weights: weights)
      let bestUnpruned = try #require(
        try LatticeBestPath.find(
          in: unpruned.lattice, lmWeight: weights.lmWeight, wordInsertionPenalty: weights.insertionPenalty))
      // Unpruned states by (original state, history).
      var stateOf: [[Int32]: Int] = [:]
      for state in 0..<unpruned.expansion.stateCount {
        stateOf[[unpruned.expansion.originalStates[state]] + unpruned.expansion.histories[state]] = state
      }
      var previousArcs = -1
      for beam in [0, 0.25, 1, 3, 10, 1e6] {
        let pruned = try rescorer.rescore(
          lattice, maxNgramOrder: order, oldLM: .none, weights: weights, pruning: .init(beam: beam))
        let best = try #require(
          try LatticeBestPath.find(
            in: pruned.lattice, lmWeight: weights.lmWeight, wordInsertionPenalty: weights.insertionPenalty),
          "round \(round) beam \(beam)")
        #expect(best.words == bestUnpruned.words && best.cost == bestUnpruned.cost, "round \(round) beam \(beam)")
        let expansion = pruned.expansion
        for state in 0..<expansion.stateCount {
          let source = try #require(stateOf[[expansion.originalStates[state]] + expansion.histories[state]])
          for arc in expansion.arcIndices(from: state) {
            let target = Int(expansion.arcTargets[arc])
            let match = unpruned.expansion.arcIndices(from: source).first {
              unpruned.expansion.originalArcs[$0] == expansion.originalArcs[arc]
            }
            let original = try #require(match, "round \(round) beam \(beam)")
            #expect(
              stateOf[[expansion.originalStates[target]] + expansion.histories[target]]
                == Int(unpruned.expansion.arcTargets[original]))
            #expect(
              pruned.lattice.arcs[arc] == unpruned.lattice.arcs[original].with(target: pruned.lattice.arcs[arc].target))
            #expect(pruned.arcRNNCosts[arc] == unpruned.arcRNNCosts[original])
          }
        }
        #expect(expansion.arcCount >= previousArcs, "round \(round) beam \(beam)")
        previousArcs = expansion.arcCount
        if beam == 1e6 { #expect(Self.sameResult(pruned, unpruned), "round \(round)") }
      }
    }
  }

  /// `maxArcs` bounds the expanded arcs (plus one per state of the kept path) and never loses
  /// the last complete path; with RNN weight 1 the heuristic is not exact, but a path remains.
  @Test(arguments: [0, 1, 4, 12])
  func arcLimitKeepsACompletePath(maxArcs: Int) throws {
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .unnormalized)
    var generator = SeededGenerator(seed: 1437 + UInt64(maxArcs))
    for round in 0..<30 {
      let (lattice, oldLM) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 12)
      let weights = LatticeRNNRescorer.Weights(lmWeight: 4, insertionPenalty: 0.5, rnnWeight: 1)
      for beam in [Double.infinity, 2] {
        let result = try rescorer.rescore(
          lattice, maxNgramOrder: 3, oldLM: .given(oldLM), weights: weights,
          pruning: .init(beam: beam, maxArcs: maxArcs))
        #expect(result.lattice.arcs.count <= maxArcs + lattice.stateCount, "round \(round)")
        #expect(
          try LatticeBestPath.find(in: result.lattice, lmWeight: 4, wordInsertionPenalty: 0.5) != nil,
          "round \(round)")
        // Only connected states remain: each reaches a final state.
        #expect(LatticeTopology.connected(result.lattice).lattice.stateCount == result.lattice.stateCount)
      }
    }
  }
}

extension LatticeArc {
  fileprivate func with(target: Int32) -> LatticeArc {
    var copy = self
    copy.target = target
    return copy
  }
}
