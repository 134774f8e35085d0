import Foundation
import NCECore
import Testing

@testable import NCEModel

/// NCE recovers a known conditional distribution and self-normalizes: contexts `c` (10) have a
/// fixed random `p(w|c)` over 20 words; the model is a learned vector per context (`Embedding`)
/// and an `OutputLayer`; plain SGD on sampled `(c, w)` pairs with NCE, `k = 200`, `lnZ = 0`,
/// noise = the words' marginal, 1500 steps of 32 pairs (about 1 s in a debug build). Outcome:
/// the full softmax of the scores is within 0.05 nats of `p` in KL (measured 0.014), and
/// `ln Σ_w exp(s - lnZ)` averages near 0 (measured -0.013), i.e. the raw scores are
/// log-probabilities without normalization.
@Suite struct ToyDistributionTests {
  static let contexts = 10, vocabulary = 20, size = 12

  /// `p(w|c)`: softmax of normal logits with standard deviation 1.5, `[contexts][vocabulary]`.
  static func trueDistribution(using rng: inout SeededGenerator) -> [[Double]] {
    (0..<contexts).map { _ in
      let logits = (0..<vocabulary).map { _ in 1.5 * Double(rng.nextNormal()) }
      let total = logits.reduce(0) { $0 + exp($1) }
      return logits.map { exp($0) / total }
    }
  }

  /// `w` with probability `p[w]`.
  static func draw(_ p: [Double], using rng: inout SeededGenerator) -> Int32 {
    var u = rng.nextUniformDouble()
    for (w, pw) in p.enumerated() {
      u -= pw
      if u < 0 { return Int32(w) }
    }
    return Int32(p.count - 1)
  }

  /// `value -= rate * gradient` on the touched rows, then zero the gradient.
  static func sgdStep(_ parameter: Parameter, rate: Float) {
    let cols = parameter.value.cols
    parameter.gradient.withUnsafeBufferPointer { g in
      parameter.value.withUnsafeMutableBufferPointer { v in
        for row in parameter.touchedRows.members {
          let start = Int(row) * cols
          for j in start..<(start + cols) { v[j] -= rate * g[j] }
        }
      }
    }
    parameter.zeroGradient()
  }

  @Test func nceLearnsTheDistributionAndSelfNormalizes() throws {
    var rng = SeededGenerator(seed: 2024)
    let p = Self.trueDistribution(using: &rng)
    let marginal = (0..<Self.vocabulary).map { w in p.reduce(0) { $0 + $1[w] } / Double(Self.contexts) }
    let noise = try NoiseDistribution(weights: marginal)
    let lnZ: Float = 0
    let embedding = Embedding(name: "context", vocabularySize: Self.contexts, size: Self.size, using: &rng)
    let output = OutputLayer(name: "out", vocabularySize: Self.vocabulary, size: Self.size, using: &rng)
    output.bias.value = NCECriterion.initialBias(noise: noise, normTerm: lnZ)
    var criterion = NCECriterion(noise: noise, noiseRatio: 200, normTerm: lnZ)

    let batch = 32
    let steps = 1500
    var contexts = [Int32](repeating: 0, count: batch)
    var targets = [Int32](repeating: 0, count: batch)
    for step in 0..<steps {
      for i in 0..<batch {
        contexts[i] = Int32(rng.nextInt(below: Self.contexts))
        targets[i] = Self.draw(p[Int(contexts[i])], using: &rng)
      }
      let hidden = contexts.withUnsafeBufferPointer { embedding.forward($0) }
      let (_, gradHidden) = targets.withUnsafeBufferPointer {
        criterion.lossAndGradient(hidden: hidden, targets: $0, output: output, scale: 1 / Float(batch), using: &rng)
      }
      contexts.withUnsafeBufferPointer { embedding.backward(gradHidden, ids: $0) }
      let rate: Float = step < steps / 2 ? 1.0 : 0.3
      for parameter in [embedding.weight, output.weight, output.bias] { Self.sgdStep(parameter, rate: rate) }
    }

    let all = (0..<Int32(Self.contexts)).map { $0 }
    let hidden = all.withUnsafeBufferPointer { embedding.forward($0) }
    var logits = Matrix(rows: 0, cols: 0)
    output.logits(hidden, into: &logits)
    var kl = 0.0
    var logNormalizer = 0.0
    for c in 0..<Self.contexts {
      let row = (0..<Self.vocabulary).map { Double(logits[c, $0] - lnZ) }
      let lse = log(row.reduce(0) { $0 + exp($1) })
      logNormalizer += lse
      for w in 0..<Self.vocabulary { kl += p[c][w] * (log(p[c][w]) - (row[w] - lse)) }
    }
    kl /= Double(Self.contexts)
    logNormalizer /= Double(Self.contexts)
    #expect(kl < 0.05, "KL(p || softmax(s)) = \(kl) nats")
    #expect(abs(logNormalizer) < 0.1, "mean ln Σ exp(s - lnZ) = \(logNormalizer)")
  }
}
