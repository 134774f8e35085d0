import FileIO

/// The N best distinct word sequences of a lattice under Kaldi's decision rule
/// (`g + a/LMWT + wip * n_words`, as `LatticeBestPath`): for each sequence its cheapest path, in
/// increasing cost. Kaldi gets them with `lattice-to-nbest` after determinizing on words; here an
/// A* search with the exact cost-to-end as heuristic pops partial paths in order of their best
/// complete cost, and a (state, word prefix) pair is expanded only the first time it is popped
/// (a later pop has the same continuations at a higher cost), so every complete path popped
/// first for its words is that sequence's cheapest. Arcs of infinite cost are never taken.
public enum LatticeNBestPaths {
  /// The `count` best distinct word sequences of `lattice` (fewer when it has fewer), best
  /// first; ties in cost keep the path found first. Throws the `LatticeTopology` error of a
  /// cyclic lattice. `lmWeight` must be positive.
  public static func find(in lattice: Lattice, count: Int, lmWeight: Double, wordInsertionPenalty: Double = 0) throws
    -> [LatticeBestPath]
  {
    precondition(lmWeight > 0 && lmWeight.isFinite, "the LM weight must be positive")
    guard !lattice.isEmpty, count > 0 else { return [] }
    let order = try LatticeTopology.topologicalOrder(lattice)
    func arcCost(_ arc: LatticeArc) -> Double {
      arc.weight.cost(lmWeight: lmWeight) + (arc.word != 0 ? wordInsertionPenalty : 0)
    }
    // The exact cheapest cost from each state to the end.
    var toEnd = [Double](repeating: .infinity, count: lattice.stateCount)
    for state32 in order.reversed() {
      let state = Int(state32)
      var best = lattice.finals[state].map { $0.weight.cost(lmWeight: lmWeight) } ?? .infinity
      for arc in lattice.arcs(from: state) { best = min(best, arcCost(arc) + toEnd[Int(arc.target)]) }
      toEnd[state] = best
    }
    // Partial paths: (arc taken, predecessor), word prefixes as nodes of a trie.
    var steps: [(arc: Int32, previous: Int32)] = []
    var prefixes: [Int64: Int32] = [:]
    var prefixCount: Int32 = 1
    var expanded: Set<Int64> = []
    var emitted: Set<Int32> = []
    var queue = MinimumHeap()
    queue.push(
      .init(
        priority: toEnd[Int(lattice.start)], sequence: 0, state: lattice.start, cost: 0, prefix: 0, step: -1,
        isFinal: false))
    var sequence = 1
    var result: [LatticeBestPath] = []
    while result.count < count, let item = queue.pop() {
      guard item.priority < .infinity else { break }
      let state = Int(item.state)
      if item.isFinal {
        guard emitted.insert(item.prefix).inserted else { continue }
        var arcs: [Int] = []
        var step = item.step
        while step >= 0 {
          arcs.append(Int(steps[Int(step)].arc))
          step = steps[Int(step)].previous
        }
        arcs.reverse()
        var weight = lattice.finals[state]!.weight
        var words: [Int32] = []
        for index in arcs {
          let arc = lattice.arcs[index]
          weight.graph += arc.weight.graph
          weight.acoustic += arc.weight.acoustic
          if arc.word != 0 { words.append(arc.word) }
        }
        result.append(
          LatticeBestPath(arcs: arcs, finalState: item.state, words: words, cost: item.cost, weight: weight))
        continue
      }
      guard expanded.insert(Int64(item.state) << 32 | Int64(item.prefix)).inserted else { continue }
      if let final = lattice.finals[state] {
        let total = item.cost + final.weight.cost(lmWeight: lmWeight)
        queue.push(
          .init(
            priority: total, sequence: sequence, state: item.state, cost: total, prefix: item.prefix, step: item.step,
            isFinal: true))
        sequence += 1
      }
      for index in lattice.arcIndices(from: state) {
        let arc = lattice.arcs[index]
        let cost = item.cost + arcCost(arc)
        let priority = cost + toEnd[Int(arc.target)]
        guard priority < .infinity else { continue }
        var prefix = item.prefix
        if arc.word != 0 {
          let key = Int64(item.prefix) << 32 | Int64(arc.word)
          if let known = prefixes[key] {
            prefix = known
          } else {
            prefix = prefixCount
            prefixes[key] = prefixCount
            prefixCount += 1
          }
        }
        steps.append((Int32(index), item.step))
        queue.push(
          .init(
            priority: priority, sequence: sequence, state: arc.target, cost: cost, prefix: prefix,
            step: Int32(steps.count - 1), isFinal: false))
        sequence += 1
      }
    }
    return result
  }

  struct Item {
    var priority: Double
    /// Push order: the tie rule (earlier first).
    var sequence: Int
    var state: Int32
    var cost: Double
    var prefix: Int32
    var step: Int32
    var isFinal: Bool

    func precedes(_ other: Item) -> Bool {
      priority < other.priority || (priority == other.priority && sequence < other.sequence)
    }
  }

  /// A binary min-heap of items.
  struct MinimumHeap {
    private var items: [Item] = []

    mutating func push(_ item: Item) {
      items.append(item)
      var child = items.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        guard items[child].precedes(items[parent]) else { break }
        items.swapAt(child, parent)
        child = parent
      }
    }

    mutating func pop() -> Item? {
      guard let first = items.first else { return nil }
      let last = items.removeLast()
      if !items.isEmpty {
        items[0] = last
        var parent = 0
        while true {
          let left = 2 * parent + 1
          let right = left + 1
          var smallest = parent
          if left < items.count && items[left].precedes(items[smallest]) { smallest = left }
          if right < items.count && items[right].precedes(items[smallest]) { smallest = right }
          if smallest == parent { break }
          items.swapAt(parent, smallest)
          parent = smallest
        }
      }
      return first
    }
  }
}
