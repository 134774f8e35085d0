import NCECore

/// The noise word ids of one mini-batch, in one of two layouts:
/// - shared (batched NCE): `k` ids used by every row (`rowStride == 0`);
/// - per row: `N x k` ids, row `i` at `ids[i * k ..< (i + 1) * k]` (`rowStride == k`).
///
/// The storage is reused from batch to batch, so drawing allocates nothing once warm.
struct NoiseDraw {
  private(set) var ids: [Int32] = []
  /// `k`: noise words per row.
  private(set) var count = 0
  /// Distance in `ids` between the noise of row `i` and row `i + 1`: 0 (shared) or `k`.
  private(set) var rowStride = 0

  init() {}

  /// Fixed shared noise (tests, self-contrast).
  init(shared ids: [Int32]) {
    self.ids = ids
    count = ids.count
    rowStride = 0
  }

  /// Fixed per-row noise: every row has the same number of ids.
  init(perRow rows: [[Int32]]) {
    count = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == count }, "NoiseDraw: rows of unequal length")
    ids = rows.flatMap { $0 }
    rowStride = count
  }

  var isPerRow: Bool { rowStride != 0 }

  /// Draws `k` ids from `noise`, shared by all rows, or `k` fresh ids for each of `rows` rows.
  mutating func draw(
    from noise: NoiseDistribution, count k: Int, rows: Int, perRow: Bool, using rng: inout SeededGenerator
  ) {
    let total = perRow ? rows * k : k
    resize(total)
    count = k
    rowStride = perRow ? k : 0
    ids.withUnsafeMutableBufferPointer { noise.sample(count: total, into: $0.baseAddress!, using: &rng) }
  }

  /// Replaces the ids with the distinct values of `words`, in order of first appearance, as a
  /// shared draw. `seen` is a scratch of at least `max(words) + 1` falses, left all false again.
  mutating func setDistinct(_ words: UnsafeBufferPointer<Int32>, seen: inout [Bool]) {
    ids.removeAll(keepingCapacity: true)
    for w in words where !seen[Int(w)] {
      seen[Int(w)] = true
      ids.append(w)
    }
    for w in ids { seen[Int(w)] = false }
    count = ids.count
    rowStride = 0
  }

  private mutating func resize(_ total: Int) {
    if ids.count > total {
      ids.removeLast(ids.count - total)
    } else if ids.count < total {
      ids.append(contentsOf: repeatElement(0, count: total - ids.count))
    }
  }
}
