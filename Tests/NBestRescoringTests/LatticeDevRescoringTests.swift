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
    let rescorer = LatticeRNNRescorer(
      model: RNNScoringSupport.model(), mode: .normalized, oovCost: OOVCost(penalty: 1),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary()))
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

  /// The decoder's insertion cost per word (and `</s>`) inside lattice-dev's graph costs.
  static let wipCost = -log(0.65) / 6.5

  /// SLF `l=` (`languageModelCost`) is the Kaldi archive's `g - wip_cost` on every word arc and
  /// final (1e-5), for all 150 utterances.
  @Test func slfLanguageModelCostsAreTheArchivesGraphCostsWithoutInsertion() throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let kaldi = try KaldiLatticeReader(rspecifier: "ark:" + directory + "/lat.kaldi.txt.gz").readAll()
    let slf = try HTKLatticeDirectoryReader(directory: directory + "/lat.slf", symbols: symbols)
    var checked = 0
    var worst = 0.0
    for archived in kaldi {
      let read = try #require(try slf.next()).lattice
      #expect(read.key == archived.key && read.arcs.count == archived.arcs.count)
      for (a, b) in zip(read.arcs, archived.arcs) where b.word != 0 {
        worst = max(worst, abs(try #require(a.languageModelCost) - (b.weight.graph - Self.wipCost)))
        checked += 1
      }
      for (a, b) in zip(read.finals, archived.finals) where b != nil {
        worst = max(worst, abs(try #require(a?.languageModelCost) - (b!.weight.graph - Self.wipCost)))
        checked += 1
      }
    }
    print("lattice-dev SLF l= vs Kaldi g - wip_cost: \(checked) word arcs and finals, max |d| \(worst)")
    #expect(worst <= 1e-5)
  }

  /// `--old-lm lm/en-us.arpa.gz`: on the expanded lattices (order 3, the ARPA's) every word arc's
  /// and final's ARPA cost is the decoder's `g - wip_cost` within 1.5e-3 nats (the decoder
  /// truncates its log-probabilities, see the README), on the first 40 utterances.
  @Test func arpaCostsPerArcAreTheDecodersLMCosts() throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let lattices = try KaldiLatticeReader(rspecifier: "ark:" + directory + "/lat.kaldi.txt.gz").readAll()
    let clock = ContinuousClock.now
    let arpa = try ARPAModel(path: directory + "/lm/en-us.arpa.gz")
    let loaded = clock.duration(to: .now)
    let wordIDs = LatticeRNNRescorer.arpaWordIDs(symbols: symbols, model: arpa)
    let rescorer = LatticeRNNRescorer(
      model: RNNScoringSupport.model(), mode: .unnormalized, oovCost: OOVCost(penalty: 1),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary()))
    var worst = 0.0
    var checked = 0
    var expandedStates = 0
    var states = 0
    for lattice in lattices.prefix(40) {
      let result = try rescorer.rescore(
        lattice, maxNgramOrder: 2, oldLM: .arpa(arpa, wordIDs: wordIDs),
        weights: .init(lmWeight: 9.5, insertionPenalty: 0, rnnWeight: 0))
      for arc in 0..<result.expansion.arcCount {
        let original = lattice.arcs[Int(result.expansion.originalArcs[arc])]
        guard original.word != 0 else { continue }
        worst = max(worst, abs(result.arcOldLMCosts[arc] - (original.weight.graph - Self.wipCost)))
        checked += 1
      }
      for state in 0..<result.expansion.stateCount {
        guard let final = lattice.finals[Int(result.expansion.originalStates[state])] else { continue }
        worst = max(worst, abs(result.finalOldLMCosts[state] - (final.weight.graph - Self.wipCost)))
        checked += 1
      }
      expandedStates += result.expansion.stateCount
      states += lattice.stateCount
    }
    print(
      "lattice-dev ARPA costs (loaded in \(loaded)): \(checked) word arcs and finals, max |ARPA - (g - wip_cost)| \(worst); \(states) states -> \(expandedStates) at order 3"
    )
    #expect(checked > 0 && worst <= 1.5e-3)
  }

  /// Pruned expansion at order 4 on the first 30 utterances: arcs and RNN states shrink as the
  /// beam narrows, and a wide beam keeps the unpruned 1-best (words and cost).
  @Test func pruningShrinksTheExpansionAndAWideBeamKeepsTheBestPath() throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let lattices = try KaldiLatticeReader(rspecifier: "ark:" + directory + "/lat.kaldi.txt.gz").readAll().prefix(30)
    let rescorer = LatticeRNNRescorer(
      model: RNNScoringSupport.model(), mode: .normalized, oovCost: OOVCost(penalty: 1),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary()))
    let weights = LatticeRNNRescorer.Weights(lmWeight: 9.5, insertionPenalty: 0, rnnWeight: 0.5)
    var previous = (arcs: Int.max, states: Int.max)
    var sameBest = 0
    for beam in [Double.infinity, 100, 8, 4, 1] {
      var arcs = 0
      var rnnStates = 0
      for lattice in lattices {
        let result = try rescorer.rescore(
          lattice, maxNgramOrder: 4, oldLM: .none, weights: weights, pruning: .init(beam: beam))
        arcs += result.lattice.arcs.count
        rnnStates += result.rnnStates
        if beam == 100 {
          let unpruned = try rescorer.rescore(lattice, maxNgramOrder: 4, weights: weights)
          let a = try #require(try LatticeBestPath.find(in: unpruned.lattice, lmWeight: 9.5))
          let b = try #require(try LatticeBestPath.find(in: result.lattice, lmWeight: 9.5))
          if a.words == b.words && abs(a.cost - b.cost) <= 1e-9 { sameBest += 1 }
        }
      }
      print("lattice-dev order 4, beam \(beam), 30 utterances: \(arcs) arcs, \(rnnStates) RNN states (test model)")
      #expect(arcs <= previous.arcs && rnnStates <= previous.states, "beam \(beam)")
      previous = (arcs, rnnStates)
    }
    #expect(sameBest == lattices.count)
  }
}
