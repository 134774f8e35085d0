import Foundation

extension AliasSampler {
  /// The smallest noise probability by default, as in Pytorch-NCE (`BACKOFF_PROB = 1e-10`):
  /// a word never seen in training still gets a finite `ln q(w)`.
  public static let defaultNoiseFloor = 1e-10

  /// The NCE noise distribution `q` over a vocabulary from its unigram counts.
  ///
  /// `q_i ∝ max((c_i / Σc)^power / Σ_j (c_j / Σc)^power, floor)`: relative frequencies are
  /// raised to `power` (1 = plain unigram, 0.75 = word2vec's flattened unigram) and normalized,
  /// then clamped below at `floor` and normalized again (Pytorch-NCE clamps after
  /// normalizing). All-zero counts give the uniform distribution.
  /// Preconditions: counts are non-negative, `power > 0`, `0 <= floor`, `floor * V < 1`.
  public static func unigramNoise(
    counts: [Int], power: Double = 1, floor: Double = defaultNoiseFloor
  ) -> [Double] {
    precondition(power > 0 && power.isFinite, "unigramNoise: power must be positive, got \(power)")
    precondition(floor >= 0 && floor * Double(counts.count) < 1, "unigramNoise: floor \(floor) too large")
    let total = counts.reduce(0.0) { sum, c in
      precondition(c >= 0, "unigramNoise: negative count \(c)")
      return sum + Double(c)
    }
    var q = counts.map { total > 0 ? Foundation.pow(Double($0) / total, power) : 1 }
    normalize(&q)
    for i in q.indices { q[i] = Swift.max(q[i], floor) }
    normalize(&q)
    return q
  }

  private static func normalize(_ q: inout [Double]) {
    let sum = q.reduce(0, +)
    guard sum > 0 else { return }
    for i in q.indices { q[i] /= sum }
  }
}
