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
  /// cyclic lattice.
  public static func find(in lattice: Lattice, lmWeight: Double, wordInsertionPenalty: Double = 0) throws
    -> LatticeBestPath?
  {
    precondition(lmWeight > 0 && lmWeight.isFinite, "the LM weight must be positive")
    guard !lattice.isEmpty else { return nil }
    let order = try LatticeTopology.topologicalOrder(lattice)
    var best = [Double](repeating: .infinity, count: lattice.stateCount)
    var arcInto = [Int](repeating: -1, count: lattice.stateCount)
    var sourceOf = [Int32](repeating: -1, count: lattice.stateCount)
    best[Int(lattice.start)] = 0
    var bestFinal = (state: -1, cost: Double.infinity)
    lattice.arcs.withUnsafeBufferPointer { arcs in
      best.withUnsafeMutableBufferPointer { best in
        arcInto.withUnsafeMutableBufferPointer { arcInto in
          sourceOf.withUnsafeMutableBufferPointer { sourceOf in
            for state32 in order {
              let state = Int(state32)
              let here = best[state]
              guard here < .infinity else { continue }
              for index in lattice.arcIndices(from: state) {
                let arc = arcs[index]
                let target = Int(arc.target)
                var cost = here + arc.weight.cost(lmWeight: lmWeight)
                if arc.word != 0 { cost += wordInsertionPenalty }
                if cost < best[target] {
                  best[target] = cost
                  arcInto[target] = index
                  sourceOf[target] = state32
                }
              }
              if let final = lattice.finals[state] {
                let total = here + final.weight.cost(lmWeight: lmWeight)
                if total < bestFinal.cost { bestFinal = (state, total) }
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
    var weight = lattice.finals[bestFinal.state]!.weight
    var words: [Int32] = []
    for index in path {
      let arc = lattice.arcs[index]
      weight.graph += arc.weight.graph
      weight.acoustic += arc.weight.acoustic
      if arc.word != 0 { words.append(arc.word) }
    }
    return LatticeBestPath(
      arcs: path, finalState: Int32(bestFinal.state), words: words, cost: bestFinal.cost, weight: weight)
  }
}
