import Foundation
import Testing

@testable import FileIO
@testable import NCECore

@Suite struct AliasSamplerTests {
  /// V = 50, Zipf-like with exponent 1.5 (p ranges over 50^1.5 ≈ 354x), and outcome 7 has
  /// weight 0 so it must never be drawn.
  static let skewedWeights: [Double] = (0..<50).map {
    $0 == 7 ? 0 : 1 / Foundation.pow(Double($0 + 1), 1.5)
  }

  @Test func goodnessOfFitOnSkewedDistribution() throws {
    let sampler = try AliasSampler(weights: Self.skewedWeights)
    var generator = SeededGenerator(seed: 20_240_601)
    let draws = 200_000
    var observed = [Int](repeating: 0, count: 50)
    var buffer = [Int32](repeating: -1, count: draws)
    buffer.withUnsafeMutableBufferPointer {
      sampler.sample(count: draws, into: $0.baseAddress!, using: &generator)
    }
    for index in buffer { observed[Int(index)] += 1 }
    #expect(observed[7] == 0)

    let support = (0..<50).filter { $0 != 7 }
    let expected = support.map { sampler.probability(of: $0) * Double(draws) }
    #expect(expected.min()! >= 5, "chi-square needs at least 5 expected draws per cell")
    let statistic = chiSquareStatistic(observed: support.map { observed[$0] }, expected: expected)
    let threshold = chiSquareQuantile999(degrees: support.count - 1)
    #expect(statistic < threshold, "chi-square \(statistic) above the 0.999 quantile \(threshold)")
  }

  @Test func singleDrawsFollowTheSameDistribution() throws {
    let sampler = try AliasSampler(weights: Self.skewedWeights)
    var generator = SeededGenerator(seed: 7)
    var observed = [Int](repeating: 0, count: 50)
    let draws = 100_000
    for _ in 0..<draws { observed[Int(sampler.sample(using: &generator))] += 1 }
    let support = (0..<50).filter { $0 != 7 }
    let statistic = chiSquareStatistic(
      observed: support.map { observed[$0] },
      expected: support.map { sampler.probability(of: $0) * Double(draws) })
    #expect(observed[7] == 0)
    #expect(statistic < chiSquareQuantile999(degrees: support.count - 1))
  }

  @Test func detectsAWrongDistribution() throws {
    // The goodness-of-fit check itself must have power: uniform draws fail it.
    var generator = SeededGenerator(seed: 3)
    let draws = 200_000
    var observed = [Int](repeating: 0, count: 50)
    for _ in 0..<draws { observed[generator.nextInt(below: 50)] += 1 }
    let sampler = try AliasSampler(weights: Self.skewedWeights.map { $0 + 1e-3 })
    let statistic = chiSquareStatistic(
      observed: observed, expected: (0..<50).map { sampler.probability(of: $0) * Double(draws) })
    #expect(statistic > chiSquareQuantile999(degrees: 49))
  }

  @Test(arguments: [1, 2, 3, 50, 1000, 30000])
  func tableReproducesInputProbabilities(size: Int) throws {
    var generator = SeededGenerator(seed: UInt64(size))
    // Mixed magnitudes, including zeros and probabilities near the 1e-10 noise floor.
    let weights: [Double] = (0..<size).map { i in
      switch i % 5 {
      case 0: return Double(generator.nextUniformDouble()) * 1000
      case 1: return 1e-10
      case 2: return i == 2 ? 0 : 1
      default: return Double(generator.nextUniformDouble())
      }
    }
    guard weights.contains(where: { $0 > 0 }) else { return }
    let sampler = try AliasSampler(weights: weights)
    let total = weights.reduce(0, +)
    let table = sampler.tableProbabilities()
    #expect(table.count == size)
    // Each of the ≤ V steps of Vose's construction rounds a bucket mass (≤ maxScaled + 1 in
    // units of 1/V) by half an ulp, so in the worst case a bucket drifts by
    // V · ε/2 · (maxScaled + 1) / V in probability. Near-zero masses are exact up to the
    // 2^-64 quantization of the coin threshold.
    let maxScaled = weights.max()! / total * Double(size)
    let bound = (maxScaled + 1) * Double.ulpOfOne
    var worstTable = 0.0
    var worstInput = 0.0
    var worstLog: Float = 0
    for i in 0..<size {
      // `total` here is a plain running sum, off by at most V·ε relative.
      let wanted = weights[i] / total
      let stored = sampler.probability(of: i)
      if wanted > 0 { worstInput = max(worstInput, abs(stored - wanted) / wanted) }
      worstTable = max(worstTable, abs(table[i] - stored))
      let log = sampler.logProbabilities[i]
      if wanted == 0 {
        #expect(log == -.infinity && stored == 0)
      } else {
        // One Float rounding of ln p (half an ulp) plus the tiny difference in p.
        worstLog = max(worstLog, abs(log - Float(Foundation.log(wanted))) / max(1, abs(log)))
      }
    }
    #expect(
      worstInput <= Double(size + 2) * Double.ulpOfOne,
      "probabilities differ by \(worstInput) relative")
    #expect(worstTable <= bound, "table differs from the input by \(worstTable)")
    #expect(worstLog <= 1.2e-7, "ln q differs by \(worstLog)")
  }

  @Test func samplesAreDeterministicForASeed() throws {
    let sampler = try AliasSampler(weights: Self.skewedWeights)
    func batch(seed: UInt64) -> [Int32] {
      var generator = SeededGenerator(seed: seed)
      var out = [Int32](repeating: 0, count: 1000)
      out.withUnsafeMutableBufferPointer {
        sampler.sample(count: 1000, into: $0.baseAddress!, using: &generator)
      }
      return out
    }
    #expect(batch(seed: 11) == batch(seed: 11))
    #expect(batch(seed: 11) != batch(seed: 12))
    // A batch consumes exactly one random number per draw, like single draws.
    var a = SeededGenerator(seed: 11)
    let singles = (0..<1000).map { _ in sampler.sample(using: &a) }
    #expect(singles == batch(seed: 11))
  }

  @Test func singleOutcomeAlwaysDrawn() throws {
    let sampler = try AliasSampler(weights: [0, 0, 5, 0])
    var generator = SeededGenerator(seed: 1)
    for _ in 0..<1000 { #expect(sampler.sample(using: &generator) == 2) }
    #expect(sampler.logProbabilities == [-.infinity, -.infinity, 0, -.infinity])
  }

  @Test(arguments: [
    [Double](), [1, -1], [1, .nan], [1, .infinity], [0, 0, 0], [-0.0],
  ])
  func rejectsBadWeights(weights: [Double]) {
    #expect(throws: InputError.self) { try AliasSampler(weights: weights) }
  }
}
