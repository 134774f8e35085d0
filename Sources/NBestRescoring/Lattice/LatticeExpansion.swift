/// The expansion of a lattice to n-gram histories: each expanded state is a pair (original state,
/// the last `maxNgramOrder - 1` words of the paths into it), so two paths into one original
/// state stay apart unless their last n-1 words agree (then they are merged into one state).
/// Epsilon arcs keep the history. A history shorter than n-1 words means the path has fewer
/// words (the sentence start is part of the history), so it never merges with a longer one.
/// With `maxNgramOrder` greater than the longest path's word count, no two different word
/// sequences share a state.
///
/// The expansion depends only on the lattice's structure, not on its weights. Expanded states
/// are numbered by original state, then by first arrival (arcs of earlier states first, in arc
/// order), so arcs go from lower to higher numbers (topologically sorted) and state 0 is the
/// start; each state's arcs are contiguous, in the original arc order.
public struct LatticeExpansion: Sendable {
  public let maxNgramOrder: Int
  /// The original state of each expanded state.
  public private(set) var originalStates: [Int32]
  /// The history of each expanded state: at most `maxNgramOrder - 1` lattice word ids, oldest first.
  public private(set) var histories: [[Int32]]
  /// `arcOffsets[x]..<arcOffsets[x + 1]` are the expanded arcs leaving expanded state `x`.
  public private(set) var arcOffsets: [Int32]
  /// The target (expanded state) of each expanded arc.
  public private(set) var arcTargets: [Int32]
  /// The index in `Lattice.arcs` of each expanded arc's original arc.
  public private(set) var originalArcs: [Int32]

  public var stateCount: Int { originalStates.count }
  public var arcCount: Int { arcTargets.count }

  /// The expanded arcs leaving expanded state `state`.
  @inlinable
  public func arcIndices(from state: Int) -> Range<Int> { Int(arcOffsets[state])..<Int(arcOffsets[state + 1]) }

  /// Expands the part of `lattice` reachable from its start. `maxNgramOrder` must be at least 1
  /// (1: histories are empty, the expansion is the reachable lattice). Throws the lattice's
  /// error when it is not topologically sorted (`LatticeTopology.topologicallySorted` first).
  public init(_ lattice: Lattice, maxNgramOrder: Int) throws {
    precondition(maxNgramOrder >= 1, "the n-gram order must be at least 1")
    guard LatticeTopology.isTopologicallySorted(lattice) else {
      throw lattice.error("history expansion needs a topologically sorted lattice")
    }
    self.maxNgramOrder = maxNgramOrder
    originalStates = []
    histories = []
    arcOffsets = [0]
    arcTargets = []
    originalArcs = []
    guard !lattice.isEmpty else { return }
    let historyLength = maxNgramOrder - 1
    // Histories are interned (id 0: the empty one) and their successors cached, so an arc costs
    // two hash lookups and no allocation once its (history, word) pair has been seen.
    var internedHistories: [[Int32]] = [[]]
    var historyIDs: [[Int32]: Int32] = [[]: 0]
    var successors: [UInt64: Int32] = [:]
    func successor(of history: Int32, after word: Int32) -> Int32 {
      let key = UInt64(UInt32(bitPattern: history)) << 32 | UInt64(UInt32(bitPattern: word))
      if let next = successors[key] { return next }
      var words = internedHistories[Int(history)]
      words.append(word)
      if words.count > historyLength { words.removeFirst(words.count - historyLength) }
      let next: Int32
      if let existing = historyIDs[words] {
        next = existing
      } else {
        next = Int32(internedHistories.count)
        internedHistories.append(words)
        historyIDs[words] = next
      }
      successors[key] = next
      return next
    }
    // Provisional ids in order of creation, keyed by (original state, history id).
    var provisionalHistories: [Int32] = [0]
    var statesOf = [[Int32]](repeating: [], count: lattice.stateCount)
    var idsOf: [UInt64: Int32] = [UInt64(UInt32(bitPattern: lattice.start)) << 32: 0]
    statesOf[Int(lattice.start)] = [0]
    var finalID = [Int32](repeating: -1, count: 1)  // provisional -> final
    var provisionalTargets: [Int32] = []
    lattice.arcs.withUnsafeBufferPointer { arcs in
      for state in 0..<lattice.stateCount {
        for provisional in statesOf[state] {
          finalID[Int(provisional)] = Int32(originalStates.count)
          originalStates.append(Int32(state))
          let history = provisionalHistories[Int(provisional)]
          histories.append(internedHistories[Int(history)])
          for index in lattice.arcIndices(from: state) {
            let arc = arcs[index]
            let next = arc.word != 0 && historyLength > 0 ? successor(of: history, after: arc.word) : history
            let key = UInt64(UInt32(bitPattern: arc.target)) << 32 | UInt64(UInt32(bitPattern: next))
            let id: Int32
            if let existing = idsOf[key] {
              id = existing
            } else {
              id = Int32(provisionalHistories.count)
              provisionalHistories.append(next)
              finalID.append(-1)
              idsOf[key] = id
              statesOf[Int(arc.target)].append(id)
            }
            provisionalTargets.append(id)
            originalArcs.append(Int32(index))
          }
          arcOffsets.append(Int32(originalArcs.count))
        }
        statesOf[state] = []
      }
    }
    arcTargets = provisionalTargets.map { finalID[Int($0)] }
  }

  /// The states `keepState` marks and the arcs `keepArc` marks (kept arcs join kept states),
  /// renumbered in order (so still sorted, state 0 the start when kept), with the index in
  /// `self` of each kept state and arc.
  func restricted(states keepState: [Bool], arcs keepArc: [Bool]) -> (
    expansion: LatticeExpansion, states: [Int32], arcs: [Int32]
  ) {
    var newState = [Int32](repeating: -1, count: stateCount)
    var states: [Int32] = []
    for state in 0..<stateCount where keepState[state] {
      newState[state] = Int32(states.count)
      states.append(Int32(state))
    }
    var result = self
    result.originalStates = states.map { originalStates[Int($0)] }
    result.histories = states.map { histories[Int($0)] }
    result.arcOffsets = [0]
    result.arcTargets = []
    result.originalArcs = []
    var arcs: [Int32] = []
    for state in states {
      for arc in arcIndices(from: Int(state)) where keepArc[arc] {
        arcs.append(Int32(arc))
        result.arcTargets.append(newState[Int(arcTargets[arc])])
        result.originalArcs.append(originalArcs[arc])
      }
      result.arcOffsets.append(Int32(arcs.count))
    }
    return (result, states, arcs)
  }
}
