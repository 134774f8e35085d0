import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import TestSupport
import Testing

/// `--word-map`: the reader, the token sequences, and RNN rescoring of word-mapped lattices.
@Suite struct LatticeWordMapTests {
  static let mapText = "thecat the cat\nbigredhat big red hat\n\nquokkas quokka zebra\ndon't do n't\n"

  @Test func readsEntriesAndMapsOtherWordsToThemselves() throws {
    let directory = try TestSupport.directory(with: ["map": Self.mapText])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let map = try LatticeWordMap(path: directory + "/map")
    #expect(map.count == 4)
    #expect(map.tokens(of: "bigredhat") == ["big", "red", "hat"])
    #expect(map.tokens(of: "don't") == ["do", "n't"])
    #expect(map.tokens(of: "cat") == ["cat"])
  }

  @Test(arguments: [
    ("a b\nlonely\n", 2, "no tokens"),
    ("a b\nc d\na e f\n", 3, "mapped twice (first on line 1)"),
  ])
  func badLinesAreErrorsAtTheirLine(text: String, line: Int, message: String) throws {
    let directory = try TestSupport.directory(with: ["map": text])
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let error = #expect(throws: InputError.self) { try LatticeWordMap(path: directory + "/map") }
    #expect(error?.description.hasPrefix(directory + "/map:\(line):") == true, "\(String(describing: error))")
    #expect(error?.message.contains(message) == true, "\(String(describing: error))")
  }

  @Test func mutatedMapsAreReadOrRefusedAtTheirFile() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 1431)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Array(Self.mapText.utf8))
      let path = workspace.write(bytes, name: "map")
      tally.run("round \(round): \(what)", location: path) {
        let map = try LatticeWordMap(path: path)
        // Every line read is one entry with at least one token.
        #expect(map.count <= Self.mapText.split(separator: "\n").count + 4, "round \(round): \(what)")
        for word in ["thecat", "bigredhat", "quokkas", "don't", "cat"] {
          #expect(!map.tokens(of: word).isEmpty, "round \(round): \(what)")
        }
      }
    }
    #expect(tally.accepted > 0 && tally.refused > 0, "\(tally)")
  }

  @Test func tokenSequencesFollowTheMapAndTheVocabulary() {
    let symbols = SymbolTable(words: ["<eps>", "thecat", "sat", "quokkas", "<unk>"])
    let map = LatticeWordMap(["thecat": ["the", "cat"], "quokkas": ["quokka", "zebra", "<unk>"]])
    let tokens = LatticeTokenSequences(symbols: symbols, vocabulary: RNNScoringSupport.vocabulary(), wordMap: map)
    let vocabulary = RNNScoringSupport.vocabulary()
    #expect(tokens.wordCount == 5 && tokens.tokenRange(of: 0).isEmpty)
    #expect(Array(tokens.ids[tokens.tokenRange(of: 1)]) == [vocabulary.id(of: "the"), vocabulary.id(of: "cat")])
    #expect(Array(tokens.ids[tokens.tokenRange(of: 2)]) == [vocabulary.id(of: "sat")])
    #expect(Array(tokens.ids[tokens.tokenRange(of: 3)]) == [Vocabulary.unkID, Vocabulary.unkID, Vocabulary.unkID])
    #expect(Array(tokens.isOOV[tokens.tokenRange(of: 3)]) == [true, true, false])
    #expect(Array(tokens.isOOV[tokens.tokenRange(of: 4)]) == [false])
    // Without a map: one token per word, the word itself (`<unk>` plus OOV when unknown).
    let plain = LatticeTokenSequences(symbols: symbols, vocabulary: vocabulary)
    let words = ["thecat", "sat", "quokkas", "<unk>"]
    #expect(plain.offsets == [0, 0, 1, 2, 3, 4])
    #expect(plain.ids == words.map { vocabulary.id(of: $0) })
    #expect(plain.isOOV == words.map { vocabulary.id(of: $0) == Vocabulary.unkID && $0 != Vocabulary.unkWord })
  }

  /// A word-mapped lattice that is the union of N-best paths gives every path the cost
  /// `NBestRNNScorer` gives its mapped token sequence; the 1-best follows. With direct
  /// features, a word's later tokens see its earlier ones in their history.
  @Test(arguments: [ScoringMode.normalized, .unnormalized], [(CellType.lstm, false), (.gru, false), (.gru, true)])
  func wordMappedUnionOfNBestPathsMatchesNBestRescoringOfTheTokens(
    mode: ScoringMode, variant: (cell: CellType, direct: Bool)
  ) throws {
    let map = LatticeWordMap([
      "thecat": ["the", "cat"], "bigredhat": ["big", "red", "hat"], "quokkas": ["quokka", "zebra"],
      "onthe": ["on", "the"], "thedog": ["the", "dog"],
    ])
    let latticeWords =
      ["<eps>"] + RNNScoringSupport.words + ["<unk>", "quokka", "zebra"] + [
        "thecat", "bigredhat", "quokkas", "onthe", "thedog",
      ]
    let symbols = SymbolTable(words: latticeWords)
    let vocabulary = RNNScoringSupport.vocabulary()
    let model = RNNScoringSupport.model(
      cell: variant.cell, direct: variant.direct ? LatticeRNNRescorerTests.direct : nil)
    let oovCost = OOVCost(penalty: 1.3)
    let rescorer = LatticeRNNRescorer(
      model: model, mode: mode, oovCost: oovCost,
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: vocabulary, wordMap: map))
    func list(_ id: String, _ hypotheses: [String]) -> NBestList {
      NBestList(
        utteranceID: id,
        hypotheses: hypotheses.enumerated().map { rank, text in
          NBestHypothesis(
            rank: rank + 1, words: text.split(separator: " ").map(String.init), acousticCost: Double(10 + rank),
            graphCost: 0.1 * Double(rank), ngramCost: 5 + Double(rank % 3))
        })
    }
    let lists = [
      list(
        "m1",
        [
          "thecat sat onthe mat", "the cat sat onthe mat", "thecat sat on the mat", "thecat sat onthe bigredhat",
          "thedog ran", "",
        ]),
      list("m2", ["bigredhat quokkas", "big red hat quokka zebra", "a bigredhat in thecat", "quokkas quokkas"]),
    ]
    var tokenLists = lists.map { list in
      var mapped = list
      for h in mapped.hypotheses.indices { mapped.hypotheses[h].words = list.hypotheses[h].words.flatMap(map.tokens) }
      return mapped
    }
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: mode, oovCost: oovCost).score(&tokenLists)
    var generator = SeededGenerator(seed: 1432)
    var multiTokenBatches = 0
    for (list, tokenList) in zip(lists, tokenLists) {
      let (lattice, oldLM, endOf) = LatticeRNNRescorerTests.unionLattice(
        of: list, generator: &generator, symbols: symbols)
      let longest = list.hypotheses.map(\.words.count).max()!
      let result = try rescorer.rescore(
        lattice, maxNgramOrder: longest + 1, oldLMCosts: oldLM,
        weights: .init(lmWeight: 3, insertionPenalty: 0.2, rnnWeight: 0.6))
      let paths = LatticeRNNRescorerTests.paths(of: result.lattice)
      #expect(paths.count == list.hypotheses.count)
      for path in paths {
        let h = LatticeRNNRescorerTests.hypothesis(of: path.arcs, in: result, original: lattice, endOf: endOf)
        let rnn = path.arcs.reduce(result.finalRNNCosts[path.final]) { $0 + result.arcRNNCosts[$1] }
        #expect(
          RNNScoringSupport.isClose(rnn, tokenList.hypotheses[h].rnnCost!, relative: 1e-4),
          "\(list.hypotheses[h].words)")
      }
      multiTokenBatches += result.batches
    }
    #expect(multiTokenBatches > 0)
  }

  /// Merged histories stay in lattice words: two tokens of one word do not count as two words
  /// of history, and a merged state's RNN state follows the tokens of its best path.
  @Test func historiesStayInLatticeWordsAndTheRNNStateFollowsTheTokens() throws {
    let symbols = SymbolTable(words: ["<eps>", "thecat", "sat", "the", "cat", "a"])
    let map = LatticeWordMap(["thecat": ["the", "cat"]])
    let vocabulary = RNNScoringSupport.vocabulary()
    let model = RNNScoringSupport.model()
    let rescorer = LatticeRNNRescorer(
      model: model, mode: .normalized, oovCost: OOVCost(penalty: 0),
      tokens: LatticeTokenSequences(symbols: symbols, vocabulary: vocabulary, wordMap: map))
    // 0 -thecat-> 2 -sat-> 3 (final), and 0 -a-> 1 -cat-> 2: at order 2 the two paths into 2
    // differ in their last word only when histories count lattice words.
    var builder = LatticeBuilder(key: "h", kind: .compact)
    builder.addArc(from: 0, LatticeArc(target: 2, word: 1, weight: .one))
    builder.addArc(from: 0, LatticeArc(target: 1, word: 5, weight: LatticeWeight(graph: 50, acoustic: 0)))
    builder.addArc(from: 1, LatticeArc(target: 2, word: 4, weight: .one))
    builder.addArc(from: 2, LatticeArc(target: 3, word: 2, weight: .one))
    builder.setFinal(3, LatticeFinal(weight: .one))
    let lattice = builder.build(start: 0)
    let result = try rescorer.rescore(
      lattice, maxNgramOrder: 2, weights: .init(lmWeight: 1, insertionPenalty: 0, rnnWeight: 1))
    // Order 2: state 2 splits by its last lattice word (thecat / cat; as tokens both would end
    // in "cat" and merge), state 3 merges (sat); its best path is "thecat sat" (the other costs
    // 50), so "sat" and </s> are scored after the tokens "the cat".
    #expect(result.lattice.stateCount == 5)
    #expect(result.expansion.histories.contains([1]) && result.expansion.histories.contains([4]))
    var lists = [
      NBestList(
        utteranceID: "h", hypotheses: [NBestHypothesis(rank: 1, words: ["the", "cat", "sat"], acousticCost: 0)])
    ]
    NBestRNNScorer(model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: 0)).score(
      &lists)
    let best = try #require(try LatticeBestPath.find(in: result.lattice, lmWeight: 1))
    let rnn = best.arcs.reduce(0) { $0 + result.arcRNNCosts[$1] } + result.finalRNNCosts[Int(best.finalState)]
    #expect(RNNScoringSupport.isClose(rnn, lists[0].hypotheses[0].rnnCost!, relative: 1e-5))
  }
}
