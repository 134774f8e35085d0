import NCECore

/// The baseline the alias method replaces: inverse-CDF sampling by binary search, O(log V).
struct CDFSampler {
  let cumulative: [Double]

  init(weights: [Double]) {
    var running = 0.0
    let total = weights.reduce(0, +)
    cumulative = weights.map {
      running += $0 / total
      return running
    }
  }

  /// Fills `buffer[0..<count]`: the first index whose cumulative probability exceeds u.
  func sample(
    count: Int, into buffer: UnsafeMutablePointer<Int32>, using generator: inout SeededGenerator
  ) {
    cumulative.withUnsafeBufferPointer { cdf in
      let last = cdf.count - 1
      for i in 0..<count {
        let u = generator.nextUniformDouble()
        var low = 0
        var high = last
        while low < high {
          let middle = (low + high) >> 1
          if cdf[middle] > u { high = middle } else { low = middle + 1 }
        }
        buffer[i] = Int32(low)
      }
    }
  }
}

/// Noise draws per second at V = 30,000 with a Zipf (1/rank) unigram distribution, the
/// shape of a real vocabulary. Acceptance: the alias method is at least 5x faster.
func samplingRows() -> [ResultRow] {
  let vocabulary = 30_000
  let batch = 1 << 16
  let counts = (0..<vocabulary).map { 1_000_000 / ($0 + 1) }
  let weights = AliasSampler.unigramNoise(counts: counts)
  guard let alias = try? AliasSampler(weights: weights) else {
    fatalError("alias table construction failed")
  }
  let cdf = CDFSampler(weights: weights)
  var buffer = [Int32](repeating: 0, count: batch)
  var generator = SeededGenerator(seed: 2)
  var checksum = 0
  let aliasSeconds = buffer.withUnsafeMutableBufferPointer { out in
    secondsPerCall {
      alias.sample(count: batch, into: out.baseAddress!, using: &generator)
      checksum &+= Int(out[batch - 1])
    }
  }
  let singleSeconds = buffer.withUnsafeMutableBufferPointer { out in
    secondsPerCall {
      for i in 0..<batch { out[i] = alias.sample(using: &generator) }
      checksum &+= Int(out[batch - 1])
    }
  }
  let cdfSeconds = buffer.withUnsafeMutableBufferPointer { out in
    secondsPerCall {
      cdf.sample(count: batch, into: out.baseAddress!, using: &generator)
      checksum &+= Int(out[batch - 1])
    }
  }
  let aliasRate = Double(batch) / aliasSeconds
  let singleRate = Double(batch) / singleSeconds
  let cdfRate = Double(batch) / cdfSeconds
  let ratio = aliasRate / cdfRate
  let verdict = ratio >= 5 ? "pass" : "FAIL"
  let name = "noise sampling V=30000"
  return [
    ResultRow(
      benchmark: name, setting: "alias, batch of \(batch)", result: rate(aliasRate, "draws/s")),
    ResultRow(benchmark: name, setting: "alias, single draws", result: rate(singleRate, "draws/s")),
    ResultRow(benchmark: name, setting: "CDF binary search", result: rate(cdfRate, "draws/s")),
    ResultRow(
      benchmark: name, setting: "alias / CDF speed-up",
      result: "\(formatted(ratio, decimals: 1))x (≥ 5x: \(verdict); checksum \(checksum % 10))"),
  ]
}
