import FileIO

/// The best path of a lattice under Kaldi's decision rule (score_kaldi.sh: `lattice-scale
/// --inv-acoustic-scale=LMWT | lattice-add-penalty --word-ins-penalty=wip | lattice-best-path`):
/// the complete path minimising `sum(g) + sum(a) / LMWT + wip * n_words`, where `n_words` counts
/// the arcs with a non-zero word and the final weight adds `g + a / LMWT`.
public struct LatticeBestPath: Equatable, Sendable {
  /// Indices in `Lattice.arcs` of the path's arcs, from the start.
  public var arcs: [Int]
  /// The final state the path ends in.
  public var finalState: Int32
  /// The non-epsilon word ids along the path.
  public var words: [Int32]
  /// `sum(g) + sum(a) / LMWT + wip * n_words`, final weight included.
  public var cost: Double
  /// The path's summed graph and acoustic costs (final weight included), unscaled.
  public var weight: LatticeWeight

  /// The best path of `lattice`, nil when it has no complete path. `lmWeight` must be positive. Ties keep the path found
  /// first (lower topological position, then earlier arc). Arcs of infinite cost are never taken.
  /// O(states + arcs) after the topological order; throws the `LatticeTopology` error of a
  /// cyclic lattice. For many settings of one lattice, `Search` does the preparation once.
  public static func find(in lattice: Lattice, lmWeight: Double, wordInsertionPenalty: Double = 0) throws
    -> LatticeBestPath?
  {
    var search = try Search(lattice)
    return search.find(lmWeight: lmWeight, wordInsertionPenalty: wordInsertionPenalty)
  }

  /// `find(in:lmWeight:wordInsertionPenalty:)` for many settings of one lattice: the topological
  /// order, the arcs as flat arrays and the search buffers are made once, and the graph costs can
  /// be replaced (`setGraphCosts`) without building another lattice. Every `find` returns what
  /// `LatticeBestPath.find` returns on the lattice with the current graph costs.
  public struct Search {
    /// The states in topological order.
    private let order: [Int32]
    private let arcOffsets: [Int32]
    private let targets: [Int32]
    private let words: [Int32]
    private var graph: [Double]
    private let acoustic: [Double]
    private let isFinal: [Bool]
    private var finalGraph: [Double]
    private let finalAcoustic: [Double]
    private let start: Int
    /// `graph + acoustic / lmWeight` of each arc and final state for `scaledLMWeight` (nil: not
    /// computed since the graph costs last changed): consecutive `find`s with one LM weight
    /// divide once.
    private var arcCosts: [Double]
    private var finalCosts: [Double]
    private var scaledLMWeight: Double?
    private var best: [Double]
    private var arcInto: [Int]
    private var sourceOf: [Int32]

    /// Prepares `lattice`; throws the `LatticeTopology` error of a cyclic lattice.
    public init(_ lattice: Lattice) throws {
      order = lattice.isEmpty ? [] : try LatticeTopology.topologicalOrder(lattice)
      arcOffsets = lattice.arcOffsets
      targets = lattice.arcs.map(\.target)
      words = lattice.arcs.map(\.word)
      graph = lattice.arcs.map(\.weight.graph)
      acoustic = lattice.arcs.map(\.weight.acoustic)
      isFinal = lattice.finals.map { $0 != nil }
      finalGraph = lattice.finals.map { $0?.weight.graph ?? 0 }
      finalAcoustic = lattice.finals.map { $0?.weight.acoustic ?? 0 }
      start = Int(lattice.start)
      arcCosts = [Double](repeating: 0, count: lattice.arcs.count)
      finalCosts = [Double](repeating: 0, count: lattice.stateCount)
      best = [Double](repeating: .infinity, count: lattice.stateCount)
      arcInto = [Int](repeating: -1, count: lattice.stateCount)
      sourceOf = [Int32](repeating: -1, count: lattice.stateCount)
    }

    /// Replaces the graph costs: `arcs` for the lattice's arcs (in `Lattice.arcs` order), `finals`
    /// for its states (the value of a non-final state is ignored).
    public mutating func setGraphCosts(arcs: [Double], finals: [Double]) {
      precondition(arcs.count == graph.count && finals.count == finalGraph.count)
      graph = arcs
      finalGraph = finals
      scaledLMWeight = nil
    }

    /// Fills `arcCosts` and `finalCosts` for `lmWeight` unless they hold it already.
    private mutating func scale(lmWeight: Double) {
      guard scaledLMWeight != lmWeight else { return }
      scaledLMWeight = lmWeight
      graph.withUnsafeBufferPointer { graph in
        acoustic.withUnsafeBufferPointer { acoustic in
          arcCosts.withUnsafeMutableBufferPointer { costs in
            // The same operations as `LatticeWeight.cost(lmWeight:)`.
            for index in costs.indices { costs[index] = graph[index] + acoustic[index] / lmWeight }
          }
        }
      }
      finalGraph.withUnsafeBufferPointer { graph in
        finalAcoustic.withUnsafeBufferPointer { acoustic in
          finalCosts.withUnsafeMutableBufferPointer { costs in
            for state in costs.indices { costs[state] = graph[state] + acoustic[state] / lmWeight }
          }
        }
      }
    }

    /// The best path under `lmWeight` (positive) and `wordInsertionPenalty`, nil when the
    /// lattice has no complete path.
    public mutating func find(lmWeight: Double, wordInsertionPenalty: Double = 0) -> LatticeBestPath? {
      precondition(lmWeight > 0 && lmWeight.isFinite, "the LM weight must be positive")
      guard !order.isEmpty else { return nil }
      scale(lmWeight: lmWeight)
      var bestFinal = (state: -1, cost: Double.infinity)
      let start = self.start
      order.withUnsafeBufferPointer { order in
        arcOffsets.withUnsafeBufferPointer { offsets in
          targets.withUnsafeBufferPointer { targets in
            words.withUnsafeBufferPointer { words in
              arcCosts.withUnsafeBufferPointer { arcCosts in
                isFinal.withUnsafeBufferPointer { isFinal in
                  finalCosts.withUnsafeBufferPointer { finalCosts in
                    best.withUnsafeMutableBufferPointer { best in
                      arcInto.withUnsafeMutableBufferPointer { arcInto in
                        sourceOf.withUnsafeMutableBufferPointer { sourceOf in
                          for state in 0..<best.count {
                            best[state] = .infinity
                            arcInto[state] = -1
                            sourceOf[state] = -1
                          }
                          best[start] = 0
                          for state32 in order {
                            let state = Int(state32)
                            let here = best[state]
                            guard here < .infinity else { continue }
                            for index in Int(offsets[state])..<Int(offsets[state + 1]) {
                              let target = Int(targets[index])
                              let cost =
                                words[index] != 0
                                ? here + arcCosts[index] + wordInsertionPenalty : here + arcCosts[index]
                              if cost < best[target] {
                                best[target] = cost
                                arcInto[target] = index
                                sourceOf[target] = state32
                              }
                            }
                            if isFinal[state] {
                              let total = here + finalCosts[state]
                              if total < bestFinal.cost { bestFinal = (state, total) }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      guard bestFinal.state >= 0 else { return nil }
      var path: [Int] = []
      var state = bestFinal.state
      // In an acyclic lattice no arc improves the start, so the walk ends there.
      while arcInto[state] >= 0 {
        path.append(arcInto[state])
        state = Int(sourceOf[state])
      }
      path.reverse()
      var weight = LatticeWeight(graph: finalGraph[bestFinal.state], acoustic: finalAcoustic[bestFinal.state])
      var pathWords: [Int32] = []
      for index in path {
        weight.graph += graph[index]
        weight.acoustic += acoustic[index]
        if words[index] != 0 { pathWords.append(words[index]) }
      }
      return LatticeBestPath(
        arcs: path, finalState: Int32(bestFinal.state), words: pathWords, cost: bestFinal.cost, weight: weight)
    }
  }
}
