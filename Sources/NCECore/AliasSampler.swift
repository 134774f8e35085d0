import FileIO

/// Draws indices `0..<count` from a fixed discrete distribution in O(1) per draw with Walker's
/// alias method, built in O(V) with Vose's stable construction.
///
/// Each draw uses one 64-bit random number `u`: the high half of `u * V` picks a bucket, the
/// low half (the fractional part) is the coin that keeps the bucket or takes its alias. The
/// bucket choice is uniform up to a relative bias of `V / 2^64` and the coin resolution is
/// `V / 2^64`, so the sampled distribution equals the input to about 1e-15.
/// Measured by `bench-core`: 7-11x faster than binary search over the CDF at V = 30,000
/// (the table is 16 bytes per word and a draw touches one entry).
public struct AliasSampler: Sendable {
  /// One bucket of the table: keep the bucket when the coin is below `threshold`
  /// (a probability scaled by 2^64), otherwise return `alias`.
  @usableFromInline
  struct Entry: Sendable {
    @usableFromInline var threshold: UInt64
    @usableFromInline var alias: Int32
  }

  @usableFromInline let entries: [Entry]
  /// The normalized input distribution, `weights[i] / Σ weights`.
  public let probabilities: [Double]
  /// `ln probabilities[i]` (`-inf` for zero weights): the `ln q(w)` term of NCE and IS.
  public let logProbabilities: [Float]

  /// Number of outcomes `V`.
  public var count: Int { probabilities.count }

  /// Builds the table from non-negative weights (they need not sum to 1).
  /// Throws `InputError` for an empty list, a negative, NaN or infinite weight, a zero sum,
  /// or more than `Int32.max` outcomes.
  public init(weights: [Double]) throws {
    guard !weights.isEmpty else { throw InputError("alias sampler: no weights") }
    guard weights.count <= Int(Int32.max) else {
      throw InputError("alias sampler: \(weights.count) outcomes exceed Int32 indices")
    }
    // Neumaier-compensated sum: a plain running sum of 30,000 weights is off by ~1e-13
    // relative, and that whole discrepancy would end up on the last bucket of the table.
    var total = 0.0
    var compensation = 0.0
    for (i, w) in weights.enumerated() {
      guard w.isFinite && w >= 0 else {
        throw InputError(
          "alias sampler: weight \(i) is \(w), expected a finite non-negative number")
      }
      let sum = total + w
      compensation += total >= w ? (total - sum) + w : (w - sum) + total
      total = sum
    }
    total += compensation
    guard total > 0 && total.isFinite else {
      throw InputError("alias sampler: weights sum to \(total), expected a positive finite sum")
    }
    let probabilities = weights.map { $0 / total }
    self.probabilities = probabilities
    self.logProbabilities = probabilities.map { Float(_log($0)) }
    self.entries = Self.buildTable(probabilities)
  }

  /// Vose's construction: buckets below the mean are topped up by one bucket above it.
  private static func buildTable(_ probabilities: [Double]) -> [Entry] {
    let n = probabilities.count
    var scaled = probabilities.map { $0 * Double(n) }
    var acceptance = [Double](repeating: 1, count: n)
    var alias = [Int32](unsafeUninitializedCapacity: n) { buffer, initialized in
      for i in 0..<n { buffer[i] = Int32(i) }
      initialized = n
    }
    var small: [Int] = []
    var large: [Int] = []
    small.reserveCapacity(n)
    large.reserveCapacity(n)
    for i in 0..<n {
      if scaled[i] < 1 { small.append(i) } else { large.append(i) }
    }
    while let s = small.last, let l = large.last {
      small.removeLast()
      acceptance[s] = scaled[s]
      alias[s] = Int32(l)
      // (scaled[l] + scaled[s]) - 1 loses less precision than scaled[l] - (1 - scaled[s]).
      scaled[l] = (scaled[l] + scaled[s]) - 1
      if scaled[l] < 1 {
        large.removeLast()
        small.append(l)
      }
    }
    // Leftovers hold scaled ≈ 1 up to rounding: they keep their own bucket (alias is self).
    var entries = [Entry]()
    entries.reserveCapacity(n)
    for i in 0..<n {
      let threshold: UInt64 =
        acceptance[i] >= 1 ? .max : UInt64((acceptance[i] * 0x1p64).rounded())
      entries.append(Entry(threshold: threshold, alias: acceptance[i] >= 1 ? Int32(i) : alias[i]))
    }
    return entries
  }

  /// One draw in O(1).
  @inlinable @inline(__always)
  public func sample(using generator: inout SeededGenerator) -> Int32 {
    entries.withUnsafeBufferPointer { Self.draw(generator.next(), $0) }
  }

  /// Fills `buffer[0..<count]` with independent draws; the table is pinned once per batch.
  @inlinable
  public func sample(
    count: Int, into buffer: UnsafeMutablePointer<Int32>, using generator: inout SeededGenerator
  ) {
    // A local copy keeps the generator state in registers instead of memory.
    var local = generator
    entries.withUnsafeBufferPointer { table in
      for i in 0..<count { buffer[i] = Self.draw(local.next(), table) }
    }
    generator = local
  }

  @inlinable @inline(__always)
  static func draw(_ random: UInt64, _ table: UnsafeBufferPointer<Entry>) -> Int32 {
    let (bucket, coin) = random.multipliedFullWidth(by: UInt64(table.count))
    let entry = table[Int(bucket)]
    return coin < entry.threshold ? Int32(truncatingIfNeeded: bucket) : entry.alias
  }

  /// Probability of outcome `index` under the input distribution.
  public func probability(of index: Int) -> Double { probabilities[index] }

  /// The distribution the table actually samples from, recomputed from thresholds and aliases
  /// in O(V): `(keep_i + Σ_{j: alias_j = i} (1 - keep_j)) / V`. Equals `probabilities` up to
  /// rounding; exposed so tests and diagnostics can verify the table.
  public func tableProbabilities() -> [Double] {
    let n = entries.count
    var result = [Double](repeating: 0, count: n)
    for (i, entry) in entries.enumerated() {
      let keep = entry.threshold == .max ? 1 : Double(entry.threshold) * 0x1p-64
      result[i] += keep
      result[Int(entry.alias)] += 1 - keep
    }
    return result.map { $0 / Double(n) }
  }
}
