import FileIO

/// The lattice path closest to a reference (Kaldi's `lattice-oracle`): the complete path whose
/// words have the fewest edits (insertions, deletions, substitutions, each 1) against the
/// reference word ids, whatever its costs. Epsilon arcs are free. A reference word outside the
/// symbol table is given id -1 by the caller and matches nothing.
public struct LatticeOracle: Equatable, Sendable {
  /// The oracle path's non-epsilon word ids.
  public var words: [Int32]
  /// Its edit distance to the reference.
  public var errors: Int

  /// The oracle of `lattice` (nil when it has no complete path); ties keep the path found first
  /// (lower topological position, earlier arc, fewer reference words consumed before a
  /// deletion). O((states + arcs) x (reference words + 1)) time and memory; throws the
  /// `LatticeTopology` error of a cyclic lattice.
  public static func find(in lattice: Lattice, reference: [Int32]) throws -> LatticeOracle? {
    guard !lattice.isEmpty else { return nil }
    let order = try LatticeTopology.topologicalOrder(lattice)
    let width = reference.count + 1
    let unreached = Int32.max
    // Per (state, reference words consumed): edits so far and how that cell was reached
    // (-1: start, -2: deletion from the cell j-1 of the same state, else an arc index; the
    // arc consumed a reference word when `consumed` is set).
    var edits = [Int32](repeating: unreached, count: lattice.stateCount * width)
    var back = [Int32](repeating: -1, count: lattice.stateCount * width)
    var consumed = [Bool](repeating: false, count: lattice.stateCount * width)
    var source = [Int32](repeating: -1, count: lattice.arcs.count)
    for state in 0..<lattice.stateCount {
      for index in lattice.arcIndices(from: state) { source[index] = Int32(state) }
    }
    edits[Int(lattice.start) * width] = 0
    var bestFinal = (state: -1, errors: unreached)
    reference.withUnsafeBufferPointer { reference in
      edits.withUnsafeMutableBufferPointer { edits in
        back.withUnsafeMutableBufferPointer { back in
          consumed.withUnsafeMutableBufferPointer { consumed in
            lattice.arcs.withUnsafeBufferPointer { arcs in
              for state32 in order {
                let base = Int(state32) * width
                for j in 1..<width where edits[base + j - 1] != unreached && edits[base + j - 1] + 1 < edits[base + j] {
                  edits[base + j] = edits[base + j - 1] + 1
                  back[base + j] = -2
                  consumed[base + j] = false
                }
                for index in lattice.arcIndices(from: Int(state32)) {
                  let arc = arcs[index]
                  let target = Int(arc.target) * width
                  func relax(_ cell: Int, _ cost: Int32, consuming: Bool) {
                    if cost < edits[cell] {
                      edits[cell] = cost
                      back[cell] = Int32(index)
                      consumed[cell] = consuming
                    }
                  }
                  for j in 0..<width {
                    let here = edits[base + j]
                    if here != unreached {
                      // Epsilon keeps the position; a word not matched here is an insertion.
                      relax(target + j, arc.word == 0 ? here : here + 1, consuming: false)
                    }
                    if arc.word != 0 && j > 0 && edits[base + j - 1] != unreached {
                      relax(
                        target + j, edits[base + j - 1] + (reference[j - 1] == arc.word ? 0 : 1), consuming: true)
                    }
                  }
                }
                if lattice.finals[Int(state32)] != nil && edits[base + width - 1] < bestFinal.errors {
                  bestFinal = (Int(state32), edits[base + width - 1])
                }
              }
            }
          }
        }
      }
    }
    guard bestFinal.state >= 0 else { return nil }
    var words: [Int32] = []
    var state = bestFinal.state
    var j = width - 1
    while back[state * width + j] != -1 {
      let cell = state * width + j
      if back[cell] == -2 {
        j -= 1
        continue
      }
      let arc = lattice.arcs[Int(back[cell])]
      if arc.word != 0 { words.append(arc.word) }
      if consumed[cell] { j -= 1 }
      state = Int(source[Int(back[cell])])
    }
    return LatticeOracle(words: words.reversed(), errors: Int(bestFinal.errors))
  }
}
