/// A prefix tree (trie) over word-id sequences, laid out level by level for batched scoring.
///
/// Node 0 is the root (the empty prefix, entered with `<s>`); the node of a prefix `w1..wk`
/// has depth k and `words[node] == wk`. Nodes of one depth are contiguous:
/// `levelStarts[d]..<levelStarts[d+1]`, in order of first insertion, so the layout depends
/// only on the sentences and their order. Identical sentences share one terminal node.
///
/// Memory: O(nodes); building: one hash lookup per word.
public struct HypothesisPrefixTree: Sendable {
  /// Parent of each node (-1 for the root).
  public private(set) var parents: [Int32]
  /// Word on the edge into each node (`Vocabulary.bosID` for the root).
  public private(set) var words: [Int32]
  /// Start of each depth's nodes, plus a final end: `levelStarts.count == depthCount + 1`.
  public private(set) var levelStarts: [Int]
  /// Whether a sentence ends at the node (so `</s>` must be scored after it).
  public private(set) var isTerminal: [Bool]
  /// The terminal node of each inserted sentence.
  public private(set) var terminals: [Int32]

  public var nodeCount: Int { parents.count }
  public var depthCount: Int { levelStarts.count - 1 }
  /// Number of distinct sentences.
  public var distinctCount: Int { isTerminal.lazy.filter { $0 }.count }

  /// Builds the tree of `sentences` (word ids, without `<s>`/`</s>`). `rootWord` labels the root.
  public init(sentences: [[Int32]], rootWord: Int32) {
    // Insertion with provisional ids, then a stable counting sort by depth.
    var childIndex: [UInt64: Int32] = [:]
    var provisionalParent: [Int32] = [-1]
    var provisionalWord: [Int32] = [rootWord]
    var provisionalDepth: [Int] = [0]
    var provisionalTerminals: [Int32] = []
    provisionalTerminals.reserveCapacity(sentences.count)
    for sentence in sentences {
      var node: Int32 = 0
      for word in sentence {
        let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: word))
        if let child = childIndex[key] {
          node = child
        } else {
          let child = Int32(provisionalParent.count)
          childIndex[key] = child
          provisionalParent.append(node)
          provisionalWord.append(word)
          provisionalDepth.append(provisionalDepth[Int(node)] + 1)
          node = child
        }
      }
      provisionalTerminals.append(node)
    }
    let depths = (provisionalDepth.max() ?? 0) + 1
    var starts = [Int](repeating: 0, count: depths + 1)
    for depth in provisionalDepth { starts[depth + 1] += 1 }
    for d in 0..<depths { starts[d + 1] += starts[d] }
    var next = starts
    var newID = [Int32](repeating: 0, count: provisionalParent.count)
    for (node, depth) in provisionalDepth.enumerated() {
      newID[node] = Int32(next[depth])
      next[depth] += 1
    }
    parents = [Int32](repeating: -1, count: newID.count)
    words = [Int32](repeating: 0, count: newID.count)
    for node in newID.indices {
      let id = Int(newID[node])
      let parent = provisionalParent[node]
      parents[id] = parent < 0 ? -1 : newID[Int(parent)]
      words[id] = provisionalWord[node]
    }
    levelStarts = starts
    terminals = provisionalTerminals.map { newID[Int($0)] }
    isTerminal = [Bool](repeating: false, count: newID.count)
    for terminal in terminals { isTerminal[Int(terminal)] = true }
  }

  /// The nodes of depth `depth`.
  public func level(_ depth: Int) -> Range<Int> { levelStarts[depth]..<levelStarts[depth + 1] }
}
