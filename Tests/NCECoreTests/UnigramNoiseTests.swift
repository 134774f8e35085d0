import Foundation
import Testing

@testable import NCECore

@Suite struct UnigramNoiseTests {
  @Test func plainUnigramIsRelativeFrequency() {
    let q = AliasSampler.unigramNoise(counts: [6, 3, 1], floor: 0)
    for (value, wanted) in zip(q, [0.6, 0.3, 0.1]) { #expect(abs(value - wanted) < 1e-15) }
  }

  @Test func unseenWordsGetTheFloor() {
    let q = AliasSampler.unigramNoise(counts: [10, 0, 90], floor: 1e-10)
    #expect(abs(q.reduce(0, +) - 1) < 1e-15)
    #expect(abs(q[1] / 1e-10 - 1) < 1e-9)
    #expect(abs(q[0] / q[2] - 10.0 / 90.0) < 1e-14)
    #expect(q[0] < 0.1 && q[0] > 0.1 - 1e-9)
  }

  @Test func powerFlattensTheDistribution() {
    let counts = [1000, 10, 1]
    let q = AliasSampler.unigramNoise(counts: counts, power: 0.75, floor: 0)
    let powered = counts.map { Foundation.pow(Double($0), 0.75) }
    let total = powered.reduce(0, +)
    for i in 0..<3 { #expect(abs(q[i] - powered[i] / total) < 1e-15) }
    let plain = AliasSampler.unigramNoise(counts: counts)
    #expect(q[2] > plain[2] && q[0] < plain[0])
  }

  @Test func allZeroCountsGiveUniform() {
    #expect(AliasSampler.unigramNoise(counts: [0, 0, 0, 0], floor: 0) == [0.25, 0.25, 0.25, 0.25])
  }

  @Test func feedsTheSampler() throws {
    let q = AliasSampler.unigramNoise(counts: [5, 0, 5])
    let sampler = try AliasSampler(weights: q)
    #expect(abs(Double(sampler.logProbabilities[1]) - Foundation.log(1e-10)) < 1e-5)
  }
}
