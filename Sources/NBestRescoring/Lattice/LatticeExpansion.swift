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
    // Provisional ids in order of creation; each original state's expanded states by history.
    var provisionalHistories: [[Int32]] = [[]]
    var statesOf = [[Int32]](repeating: [], count: lattice.stateCount)
    var idsOf = [[[Int32]: Int32]](repeating: [:], count: lattice.stateCount)
    statesOf[Int(lattice.start)] = [0]
    idsOf[Int(lattice.start)] = [[]: 0]
    var finalID = [Int32]()  // provisional -> final
    var provisionalTargets: [Int32] = []
    for state in 0..<lattice.stateCount {
      for provisional in statesOf[state] {
        if Int(provisional) >= finalID.count {
          finalID.append(contentsOf: repeatElement(-1, count: Int(provisional) + 1 - finalID.count))
        }
        finalID[Int(provisional)] = Int32(originalStates.count)
        originalStates.append(Int32(state))
        let history = provisionalHistories[Int(provisional)]
        histories.append(history)
        for index in lattice.arcIndices(from: state) {
          let arc = lattice.arcs[index]
          var next = history
          if arc.word != 0 && historyLength > 0 {
            next.append(arc.word)
            if next.count > historyLength { next.removeFirst(next.count - historyLength) }
          }
          let target = Int(arc.target)
          let id: Int32
          if let existing = idsOf[target][next] {
            id = existing
          } else {
            id = Int32(provisionalHistories.count)
            provisionalHistories.append(next)
            idsOf[target][next] = id
            statesOf[target].append(id)
          }
          provisionalTargets.append(id)
          originalArcs.append(Int32(index))
        }
        arcOffsets.append(Int32(originalArcs.count))
      }
      idsOf[state] = [:]  // every arc into `state` came from an earlier state
    }
    arcTargets = provisionalTargets.map { finalID[Int($0)] }
  }
}
