import NBestRescoring
import Testing

@Suite struct HypothesisPrefixTreeTests {
  let sentences: [[Int32]] = [[5, 6, 7], [5, 6, 8], [5, 6, 7], [], [9], [5]]

  @Test func levelsAreContiguousAndParentsOneLevelUp() {
    let tree = HypothesisPrefixTree(sentences: sentences, rootWord: 1)
    #expect(tree.levelStarts == [0, 1, 3, 4, 6])
    #expect(tree.parents[0] == -1 && tree.words[0] == 1)
    for depth in 1..<tree.depthCount {
      for node in tree.level(depth) { #expect(tree.level(depth - 1).contains(Int(tree.parents[node]))) }
    }
    // Insertion order within a level: 5 before 9; 7 before 8.
    #expect(Array(tree.words[tree.level(1)]) == [5, 9])
    #expect(Array(tree.words[tree.level(3)]) == [7, 8])
  }

  @Test func identicalSentencesShareOneTerminal() {
    let tree = HypothesisPrefixTree(sentences: sentences, rootWord: 1)
    #expect(tree.terminals[0] == tree.terminals[2])
    #expect(tree.terminals[3] == 0)  // the empty sentence ends at the root
    #expect(tree.distinctCount == 5)
    #expect(tree.nodeCount == 6)  // root, 5, 9, 5-6, 5-6-7, 5-6-8
  }

  @Test func pathsSpellTheSentences() {
    let tree = HypothesisPrefixTree(sentences: sentences, rootWord: 1)
    for (sentence, terminal) in zip(sentences, tree.terminals) {
      var path: [Int32] = []
      var node = Int(terminal)
      while node != 0 {
        path.append(tree.words[node])
        node = Int(tree.parents[node])
      }
      #expect(path.reversed() == sentence)
    }
  }
}
