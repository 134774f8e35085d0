import FileIO

/// Graph operations every lattice goes through before rescoring: lattices from other tools need
/// not be topologically sorted, may hold unreachable or dead states, and must be acyclic.
/// Cycles are refused with an `InputError` naming the lattice and the states of one cycle (an
/// epsilon cycle is called one), never an assertion (Kaldi's issue #2448 is such a crash).
public enum LatticeTopology {
  /// Whether every arc goes from a lower to a higher state number (lattice-dev's lattices are).
  public static func isTopologicallySorted(_ lattice: Lattice) -> Bool {
    for state in 0..<lattice.stateCount {
      for arc in lattice.arcs(from: state) where Int(arc.target) <= state { return false }
    }
    return true
  }

  /// The states in a topological order (each arc's source before its target): `0..<stateCount`
  /// when the lattice is already sorted, otherwise Kahn's order. O(states + arcs).
  /// Throws when the lattice has a cycle, naming its states (`findCycle`).
  public static func topologicalOrder(_ lattice: Lattice) throws -> [Int32] {
    if isTopologicallySorted(lattice) { return (0..<Int32(lattice.stateCount)).map { $0 } }
    let (order, leftover) = kahnOrder(lattice)
    if order.count < lattice.stateCount { throw cycleError(lattice, findCycle(lattice, among: leftover)) }
    return order
  }

  /// Kahn's order (FIFO) and the states it cannot place: those on a cycle or after one.
  private static func kahnOrder(_ lattice: Lattice) -> (order: [Int32], leftover: [Bool]) {
    var inDegree = [Int32](repeating: 0, count: lattice.stateCount)
    for arc in lattice.arcs { inDegree[Int(arc.target)] += 1 }
    var order: [Int32] = []
    order.reserveCapacity(lattice.stateCount)
    for state in 0..<lattice.stateCount where inDegree[state] == 0 { order.append(Int32(state)) }
    var head = 0
    while head < order.count {
      let state = Int(order[head])
      head += 1
      for arc in lattice.arcs(from: state) {
        inDegree[Int(arc.target)] -= 1
        if inDegree[Int(arc.target)] == 0 { order.append(arc.target) }
      }
    }
    return (order, inDegree.map { $0 > 0 })
  }

  /// The lattice renumbered in topological order (OpenFst's `TopSort`); unchanged when sorted.
  public static func topologicallySorted(_ lattice: Lattice) throws -> Lattice {
    if isTopologicallySorted(lattice) { return lattice }
    let order = try topologicalOrder(lattice)
    var newIndex = [Int32](repeating: -1, count: lattice.stateCount)
    for (position, state) in order.enumerated() { newIndex[Int(state)] = Int32(position) }
    return renumbered(lattice, newIndex: newIndex)
  }

  /// The states of one cycle as a closed walk (`[3, 5, 3]`) and whether all its arcs are epsilon,
  /// or nil for an acyclic lattice.
  public static func findCycle(_ lattice: Lattice) -> (states: [Int32], epsilonOnly: Bool)? {
    let (order, leftover) = kahnOrder(lattice)
    return order.count == lattice.stateCount ? nil : findCycle(lattice, among: leftover)
  }

  /// Walks predecessors among `candidates` (Kahn's leftovers: each has a leftover predecessor)
  /// until a state repeats, taking an epsilon arc whenever there is one.
  private static func findCycle(_ lattice: Lattice, among candidates: [Bool]) -> (
    states: [Int32], epsilonOnly: Bool
  ) {
    var predecessors = [[(source: Int32, word: Int32)]](repeating: [], count: lattice.stateCount)
    for state in 0..<lattice.stateCount where candidates[state] {
      for arc in lattice.arcs(from: state) where candidates[Int(arc.target)] {
        predecessors[Int(arc.target)].append((Int32(state), arc.word))
      }
    }
    var state = candidates.firstIndex(of: true)!
    var positionInWalk = [Int: Int]()
    var walk: [(state: Int, word: Int32)] = []
    while positionInWalk[state] == nil {
      positionInWalk[state] = walk.count
      let options = predecessors[state]
      let step = options.first { $0.word == 0 } ?? options[0]
      walk.append((state, step.word))
      state = Int(step.source)
    }
    let cycle = walk[positionInWalk[state]!...]
    // The walk goes backwards: reverse it into arc direction and close it.
    var states = cycle.reversed().map { Int32($0.state) }
    states.append(states[0])
    return (states, cycle.allSatisfy { $0.word == 0 })
  }

  private static func cycleError(_ lattice: Lattice, _ cycle: (states: [Int32], epsilonOnly: Bool)) -> InputError {
    let path = cycle.states.map(String.init).joined(separator: " -> ")
    return lattice.error(
      cycle.epsilonOnly
        ? "epsilon cycle through states \(path); a lattice must be acyclic"
        : "cycle through states \(path); a lattice must be acyclic")
  }

  /// The lattice without the states that no path from the start reaches or from which no final
  /// state is reachable (OpenFst's `Connect`), and without their arcs; the kept states keep their
  /// relative order. A lattice with no complete path becomes empty. Works on cyclic lattices too.
  public static func connected(_ lattice: Lattice) -> (lattice: Lattice, removedStates: Int, removedArcs: Int) {
    let count = lattice.stateCount
    guard count > 0 else { return (lattice, 0, 0) }
    var accessible = [Bool](repeating: false, count: count)
    var stack = [Int(lattice.start)]
    accessible[Int(lattice.start)] = true
    while let state = stack.popLast() {
      for arc in lattice.arcs(from: state) where !accessible[Int(arc.target)] {
        accessible[Int(arc.target)] = true
        stack.append(Int(arc.target))
      }
    }
    var predecessors = [[Int32]](repeating: [], count: count)
    for state in 0..<count {
      for arc in lattice.arcs(from: state) { predecessors[Int(arc.target)].append(Int32(state)) }
    }
    var coaccessible = [Bool](repeating: false, count: count)
    for state in 0..<count where lattice.finals[state] != nil {
      coaccessible[state] = true
      stack.append(state)
    }
    while let state = stack.popLast() {
      for source in predecessors[state] where !coaccessible[Int(source)] {
        coaccessible[Int(source)] = true
        stack.append(Int(source))
      }
    }
    var newIndex = [Int32](repeating: -1, count: count)
    var kept: Int32 = 0
    for state in 0..<count where accessible[state] && coaccessible[state] {
      newIndex[state] = kept
      kept += 1
    }
    let result = renumbered(lattice, newIndex: newIndex)
    return (result, count - result.stateCount, lattice.arcs.count - result.arcs.count)
  }

  /// The lattice with state `s` renamed `newIndex[s]` (-1 drops it and every arc touching it).
  /// Arcs of a state keep their order; transition ids are shared unchanged. When the start is
  /// dropped the result is empty.
  public static func renumbered(_ lattice: Lattice, newIndex: [Int32]) -> Lattice {
    var builder = LatticeBuilder(key: lattice.key, kind: lattice.kind)
    builder.transitionIDs = lattice.transitionIDs
    let keptCount = Int(newIndex.max().map { $0 + 1 } ?? 0)
    guard lattice.stateCount > 0, newIndex[Int(lattice.start)] >= 0 else {
      var empty = LatticeBuilder(key: lattice.key, kind: lattice.kind).build(start: -1)
      empty.sourceFile = lattice.sourceFile
      empty.sourceLine = lattice.sourceLine
      return empty
    }
    if keptCount > 0 { builder.addState(Int32(keptCount - 1)) }
    var times = lattice.stateTimes.map { _ in [Double](repeating: 0, count: keptCount) }
    for state in 0..<lattice.stateCount where newIndex[state] >= 0 {
      let source = newIndex[state]
      for var arc in lattice.arcs(from: state) where newIndex[Int(arc.target)] >= 0 {
        arc.target = newIndex[Int(arc.target)]
        builder.addArc(from: source, arc)
      }
      builder.setFinal(source, lattice.finals[state])
      if let old = lattice.stateTimes { times![Int(source)] = old[state] }
    }
    var result = builder.build(start: newIndex[Int(lattice.start)], stateTimes: times)
    result.sourceFile = lattice.sourceFile
    result.sourceLine = lattice.sourceLine
    return result
  }
}
