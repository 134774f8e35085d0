import Foundation
import NCECore

/// Sampled softmax / importance sampling (SPEC §5): per row, the logits `s(w,h) - ln q(w)` over
/// `{target} ∪ {k noise words}`, and cross-entropy with the target at index 0:
/// `loss = ln(e^{z_0} + Σ_j e^{z_j}) - z_0` (nats). Subtracting `ln q` makes the sampled
/// normalizer an importance-sampling estimate of the full one, so `s` approaches `ln p(w|h)`
/// up to a per-context constant (the model is not self-normalized).
///
/// `removeAccidentalHits` masks noise words equal to the row's target (logit `-inf`, zero
/// gradient). Noise is batched by default (one `[N x E] x [E x k]` GEMM, see `SampledScores`);
/// `perWordNoise` draws `k` fresh ids per row.
public struct SampledSoftmaxCriterion: TrainingCriterion {
  public let noise: NoiseDistribution
  /// `k`: noise words per target.
  public let noiseCount: Int
  public let removeAccidentalHits: Bool
  public let perWordNoise: Bool
  private var draw = NoiseDraw()
  private var scores = SampledScores()

  public init(noise: NoiseDistribution, k: Int, removeAccidentalHits: Bool = true, perWordNoise: Bool = false) {
    precondition(k >= 1, "sampled softmax needs at least one noise word per target")
    self.noise = noise
    noiseCount = k
    self.removeAccidentalHits = removeAccidentalHits
    self.perWordNoise = perWordNoise
  }

  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    if hidden.rows == 0 { return (0, Matrix(rows: 0, cols: output.size)) }
    draw.draw(from: noise, count: noiseCount, rows: hidden.rows, perRow: perWordNoise, using: &rng)
    return lossAndGradient(
      hidden: hidden, targets: targets, output: output, scale: scale, noise: draw, direct: direct)
  }

  /// The criterion on given noise ids (tests).
  mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, scale: Float, noise ids: NoiseDraw,
    direct: DirectRows? = nil
  ) -> (loss: Double, gradHidden: Matrix) {
    scores.computeScores(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct)
    let loss = Self.accumulate(
      into: &scores, targets: targets, noise: ids, logProposal: noise.logProbabilities,
      removeAccidentalHits: removeAccidentalHits, weight: scale)
    return (loss, scores.backward(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct))
  }

  /// The sampled-softmax row kernel: returns the loss summed over rows and adds
  /// `weight · d loss / d score` to `scores`' gradient coefficients. `logProposal[w]` is the
  /// log-probability subtracted from `s(w,h)` (`ln q(w)`; self-contrast passes its own).
  static func accumulate(
    into scores: inout SampledScores, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw,
    logProposal: [Float], removeAccidentalHits: Bool, weight: Float
  ) -> Double {
    let n = scores.rows
    let k = scores.noiseCount
    let stride = noise.rowStride
    var loss = 0.0
    logProposal.withUnsafeBufferPointer { lnq in
      noise.ids.withUnsafeBufferPointer { ids in
        scores.targetScores.withUnsafeBufferPointer { ts in
          scores.noiseScores.withUnsafeBufferPointer { ns in
            scores.targetGradient.withUnsafeMutableBufferPointer { tg in
              scores.noiseGradient.withUnsafeMutableBufferPointer { ng in
                scores.rowScratch.withUnsafeMutableBufferPointer { scratch in
                  let e = scratch.baseAddress!
                  for i in 0..<n {
                    let t = targets[i]
                    let rowIds = ids.baseAddress! + i * stride
                    let s = ns.baseAddress! + i * k
                    let g = ng.baseAddress! + i * k
                    let z0 = ts[i] - lnq[Int(t)]
                    var maximum = z0
                    for j in 0..<k {
                      let z = s[j] - lnq[Int(rowIds[j])]
                      e[j] = z
                      if !(removeAccidentalHits && rowIds[j] == t) { maximum = max(maximum, z) }
                    }
                    for j in 0..<k { e[j] -= maximum }
                    VectorMath.exp(e, count: k)
                    if removeAccidentalHits {
                      for j in 0..<k where rowIds[j] == t { e[j] = 0 }
                    }
                    let e0 = Foundation.exp(z0 - maximum)
                    var sum = e0
                    for j in 0..<k { sum += e[j] }
                    loss += Double(maximum + Foundation.log(sum) - z0)
                    let factor = weight / sum
                    tg[i] += factor * e0 - weight
                    for j in 0..<k { g[j] += factor * e[j] }
                  }
                }
              }
            }
          }
        }
      }
    }
    return loss
  }
}
