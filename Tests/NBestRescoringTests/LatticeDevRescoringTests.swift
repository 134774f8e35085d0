import FileIO
import Foundation
import NCEModel
import Testing

@testable import NBestRescoring

/// History expansion and RNN rescoring on the real lattices of ../shared/data/lattice-dev (with
/// the small test model: the costs are not meaningful, the structure and the sizes are).
@Suite(.enabled(if: TestSupport.latticeDev != nil, "needs ../shared/data/lattice-dev"))
struct LatticeDevRescoringTests {
  /// At RNN weight 0 with no old LM cost the rescored costs are the original ones, so the
  /// expanded lattice's best path is the original's (words and cost) for every utterance; the
  /// expansion only grows with the order. Prints the sizes and the RNN work.
  @Test(arguments: [2, 3, 4])
  func rnnWeightZeroKeepsTheDecodersBestPath(order: Int) throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let lattices = try KaldiLatticeReader(rspecifier: "ark:" + directory + "/lat.kaldi.txt.gz").readAll()
    let map = LatticeRNNRescorer.wordMap(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary())
    let rescorer = LatticeRNNRescorer(
      model: RNNScoringSupport.model(), mode: .normalized, oovCost: OOVCost(penalty: 1), rnnIDs: map.rnnIDs,
      isOOV: map.isOOV)
    let weights = LatticeRNNRescorer.Weights(lmWeight: 9.5, insertionPenalty: 0, rnnWeight: 0)
    var same = 0
    var arcs = 0
    var expandedArcs = 0
    var rnnStates = 0
    var batches = 0
    let clock = ContinuousClock.now
    for lattice in lattices {
      let result = try rescorer.rescore(lattice, maxNgramOrder: order, weights: weights)
      let original = try #require(try LatticeBestPath.find(in: lattice, lmWeight: 9.5))
      let rescored = try #require(try LatticeBestPath.find(in: result.lattice, lmWeight: 9.5))
      if original.words == rescored.words && abs(original.cost - rescored.cost) <= 1e-6 { same += 1 }
      #expect(result.expansion.arcCount >= lattice.arcs.count)
      arcs += lattice.arcs.count
      expandedArcs += result.expansion.arcCount
      rnnStates += result.rnnStates
      batches += result.batches
    }
    print(
      "lattice-dev order \(order): \(arcs) arcs -> \(expandedArcs) expanded (x\(String(format: "%.2f", Double(expandedArcs) / Double(arcs)))), \(rnnStates) RNN states, \(batches) batches, \(clock.duration(to: .now)) (debug build, 8/8 test model)"
    )
    #expect(same == lattices.count, "\(same) of \(lattices.count) keep their best path")
  }
}
