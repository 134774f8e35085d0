import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing

/// The old n-gram LM costs rescoring removes: recomputed from an ARPA model on the expanded
/// lattice (`--old-lm`), or stated by the lattice (SLF `l=`).
@Suite struct LatticeOldLMCostsTests {
  /// The toy 3-gram's words, a word it lacks (-> its `<unk>`) and one more.
  static let symbols = SymbolTable(words: ["<eps>", "a", "b", "zzz", "cat"])

  static func rescorer() -> LatticeRNNRescorer {
    LatticeRNNRescorer(
      model: RNNScoringSupport.model(), mode: .normalized, oovCost: OOVCost(penalty: 0.5),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary()))
  }

  /// A random sorted, connected lattice over `symbols` (epsilon and parallel arcs, several finals).
  static func randomLattice(_ generator: inout SeededGenerator) -> Lattice {
    let count = 2 + generator.nextInt(below: 7)
    var builder = LatticeBuilder(key: "r", kind: .compact)
    for source in 0..<count - 1 {
      for _ in 0..<1 + generator.nextInt(below: 3) {
        let target = source + 1 + generator.nextInt(below: count - source - 1)
        let word = generator.nextInt(below: 4) == 0 ? 0 : 1 + Int32(generator.nextInt(below: symbols.count - 1))
        builder.addArc(
          from: Int32(source),
          LatticeArc(
            target: Int32(target), word: word,
            weight: LatticeWeight(
              graph: generator.nextUniformDouble() * 10, acoustic: generator.nextUniformDouble() * 50)))
      }
    }
    builder.setFinal(Int32(count - 1), LatticeFinal(weight: LatticeWeight(graph: 1, acoustic: 0)))
    for state in 1..<count - 1 where generator.nextInt(below: 4) == 0 {
      builder.setFinal(Int32(state), LatticeFinal(weight: LatticeWeight(graph: 2, acoustic: 1)))
    }
    return LatticeTopology.connected(builder.build(start: 0)).lattice
  }

  /// Along every complete path of the rescored lattice the ARPA costs sum to the model's
  /// sentence cost of the path's words, whatever order is requested (it is raised to the
  /// model's); `g' = g - lm_old + w*rnn + (1-w)*lm_old` per arc and final.
  @Test(arguments: [1, 2, 3, 5])
  func arpaCostsAlongEveryPathAreTheSentenceCost(order: Int) throws {
    let arpa = try ARPAModelTests.model(ARPAModelTests.toy)
    let wordIDs = LatticeRNNRescorer.arpaWordIDs(symbols: Self.symbols, model: arpa)
    #expect(wordIDs[3] == arpa.unknownID && wordIDs[1] == arpa.id(of: "a"))
    let rescorer = Self.rescorer()
    var generator = SeededGenerator(seed: 1433 + UInt64(order))
    let w = 0.7
    for round in 0..<30 {
      let lattice = Self.randomLattice(&generator)
      let result = try rescorer.rescore(
        lattice, maxNgramOrder: order, oldLM: .arpa(arpa, wordIDs: wordIDs),
        weights: .init(lmWeight: 5, insertionPenalty: 0, rnnWeight: w))
      #expect(result.expansion.maxNgramOrder == max(order, arpa.order))
      for path in LatticeRNNRescorerTests.paths(of: result.lattice) {
        let words = path.arcs.compactMap { arc -> String? in
          let word = result.lattice.arcs[arc].word
          return word == 0 ? nil : Self.symbols.word(of: word)
        }
        let old = path.arcs.reduce(result.finalOldLMCosts[path.final]) { $0 + result.arcOldLMCosts[$1] }
        #expect(abs(old - arpa.sentenceCost(words)) < 1e-9, "round \(round): \(words)")
      }
      for arc in result.lattice.arcs.indices {
        let original = lattice.arcs[Int(result.expansion.originalArcs[arc])].weight.graph
        let expected =
          original - result.arcOldLMCosts[arc] + w * result.arcRNNCosts[arc] + (1 - w)
          * result.arcOldLMCosts[arc]
        #expect(abs(result.lattice.arcs[arc].weight.graph - expected) < 1e-9, "round \(round)")
      }
    }
  }

  /// `.given` costs are the old API's `oldLMCosts` (bit for bit), and a wrong count is the
  /// lattice's error.
  @Test func givenCostsAreTheOldArgument() throws {
    var generator = SeededGenerator(seed: 1434)
    let rescorer = Self.rescorer()
    let lattice = Self.randomLattice(&generator)
    let costs = LatticeRNNRescorer.OldLMCosts(
      arcs: lattice.arcs.map { $0.weight.graph / 2 }, finals: lattice.finals.map { _ in 0.25 })
    let weights = LatticeRNNRescorer.Weights(lmWeight: 2, insertionPenalty: 1, rnnWeight: 0.4)
    let a = try rescorer.rescore(lattice, maxNgramOrder: 3, oldLMCosts: costs, weights: weights)
    let b = try rescorer.rescore(lattice, maxNgramOrder: 3, oldLM: .given(costs), weights: weights)
    #expect(a.lattice.arcs == b.lattice.arcs && a.lattice.finals == b.lattice.finals)
    #expect(a.arcOldLMCosts == a.expansion.originalArcs.map { costs.arcs[Int($0)] })
    #expect(throws: InputError.self) {
      try rescorer.rescore(
        lattice, maxNgramOrder: 3, oldLM: .given(.init(arcs: [], finals: [])), weights: weights)
    }
    let arpa = try ARPAModelTests.model(ARPAModelTests.toy)
    #expect(throws: InputError.self) {
      try rescorer.rescore(lattice, maxNgramOrder: 3, oldLM: .arpa(arpa, wordIDs: [0]), weights: weights)
    }
  }

  /// SLF `l=` is kept per arc and final (`languageModelCost`, without the word penalty) and
  /// becomes `OldLMCosts(statedIn:)`; a lattice stating none gives nil.
  @Test func slfLanguageModelCostsAreStated() throws {
    let slf = """
      VERSION=1.0
      UTTERANCE=s
      lmscale=2.0
      wdpenalty=-1.0
      N=4 L=4
      I=0 t=0 W=!SENT_START
      I=1 t=1 W=a
      I=2 t=2 W=b
      I=3 t=3 W=!SENT_END
      J=0 S=0 E=1 a=-10 l=-1.5
      J=1 S=1 E=2 a=-20 l=-0.25
      J=2 S=0 E=2 a=-25
      J=3 S=2 E=3 a=0 l=-0.5

      """
    let directory = try TestSupport.directory(with: ["s.lat": slf])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (lattice, header) = try HTKLatticeReader.read(path: directory + "/s.lat", symbols: Self.symbols)
    #expect(lattice.arcs.map(\.languageModelCost) == [1.5, nil, 0.25])  // grouped by source
    #expect(lattice.finals[2]?.languageModelCost == 0.5)
    for arc in lattice.arcs where arc.languageModelCost != nil {
      #expect(abs(arc.weight.graph - header.wordPenaltyCost - arc.languageModelCost!) < 1e-12)
    }
    let stated = try #require(LatticeRNNRescorer.OldLMCosts(statedIn: lattice))
    #expect(stated.arcs == [1.5, 0, 0.25] && stated.finals[2] == 0.5)
    var builder = LatticeBuilder(key: "k", kind: .compact)
    builder.addArc(from: 0, LatticeArc(target: 1, word: 1, weight: LatticeWeight(graph: 1, acoustic: 1)))
    builder.setFinal(1, LatticeFinal(weight: .one))
    #expect(LatticeRNNRescorer.OldLMCosts(statedIn: builder.build(start: 0)) == nil)
  }
}
