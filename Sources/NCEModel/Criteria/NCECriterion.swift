import Foundation
import NCECore

/// Noise-contrastive estimation (SPEC §5): each row is a binary classification of its target
/// (label 1) against `k` noise words (label 0) drawn from `q`, with
/// `P(D=1 | w, h) = σ(s(w,h) - lnZ - ln(k q(w)))` and loss
/// `-ln P(D=1 | t, h) - Σ_j ln(1 - P(D=1 | n_j, h))` (nats, per row).
///
/// At the optimum `s(w,h) - lnZ = ln p(w|h)`: the model is self-normalized around `lnZ`.
/// Noise is batched by default (one draw of `k` ids shared by the mini-batch: one
/// `[N x E] x [E x k]` GEMM, see `SampledScores`); `perWordNoise` draws `k` fresh ids per row.
/// Cost for `N` rows: `O(N k E)` either way; no allocation per row.
public struct NCECriterion: TrainingCriterion {
  public let noise: NoiseDistribution
  /// `k`: noise words per target.
  public let noiseRatio: Int
  /// `lnZ`: the constant log-normalizer the scores are trained towards.
  public let normTerm: Float
  public let perWordNoise: Bool
  private var draw = NoiseDraw()
  private var scores = SampledScores()

  public init(noise: NoiseDistribution, noiseRatio k: Int, normTerm lnZ: Float, perWordNoise: Bool = false) {
    precondition(k >= 1, "NCE needs at least one noise word per target")
    self.noise = noise
    noiseRatio = k
    normTerm = lnZ
    self.perWordNoise = perWordNoise
  }

  /// The NCE output-bias initialisation `b[w] = ln q(w) + lnZ`, `[V x 1]`: with `W = 0` the
  /// model's `s(w,h) - lnZ` equals `ln q(w)`, so training starts from the noise distribution.
  public static func initialBias(noise: NoiseDistribution, normTerm lnZ: Float) -> Matrix {
    Matrix(rows: noise.vocabularySize, cols: 1, storage: noise.logProbabilities.map { $0 + lnZ })
  }

  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    if hidden.rows == 0 { return (0, Matrix(rows: 0, cols: output.size)) }
    draw.draw(from: noise, count: noiseRatio, rows: hidden.rows, perRow: perWordNoise, using: &rng)
    return lossAndGradient(
      hidden: hidden, targets: targets, output: output, scale: scale, noise: draw, direct: direct)
  }

  /// The criterion on given noise ids (tests; `noise.count` plays the role of `k`).
  mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, scale: Float, noise ids: NoiseDraw,
    direct: DirectRows? = nil
  ) -> (loss: Double, gradHidden: Matrix) {
    scores.computeScores(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct)
    let loss = Self.accumulate(
      into: &scores, targets: targets, noise: ids, logNoise: noise.logProbabilities, normTerm: normTerm,
      weight: scale)
    return (loss, scores.backward(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct))
  }

  /// The NCE row kernel: returns the loss summed over rows and adds `weight · d loss / d score`
  /// to `scores`' gradient coefficients. `logNoise` is `ln q(w)` indexed by word id.
  static func accumulate(
    into scores: inout SampledScores, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw,
    logNoise: [Float], normTerm lnZ: Float, weight: Float
  ) -> Double {
    let n = scores.rows
    let k = scores.noiseCount
    let stride = noise.rowStride
    let shift = lnZ + Float(Foundation.log(Double(k)))  // lnZ + ln k
    var loss = 0.0
    // offsets[j] = lnZ + ln(k q(n_j)): once for shared noise, per row otherwise.
    var offsets = [Float](repeating: 0, count: k)
    logNoise.withUnsafeBufferPointer { lnq in
      noise.ids.withUnsafeBufferPointer { ids in
        scores.targetScores.withUnsafeBufferPointer { ts in
          scores.noiseScores.withUnsafeBufferPointer { ns in
            scores.targetGradient.withUnsafeMutableBufferPointer { tg in
              scores.noiseGradient.withUnsafeMutableBufferPointer { ng in
                offsets.withUnsafeMutableBufferPointer { offset in
                  for i in 0..<n {
                    let t = Int(targets[i])
                    // -ln σ(x_t) = softplus(-x_t); d/dx_t = σ(x_t) - 1 = -σ(-x_t).
                    let (targetLoss, sigmaOfMinusX) = logisticLossAndSigmoid(-(ts[i] - shift - lnq[t]))
                    loss += Double(targetLoss)
                    tg[i] -= weight * sigmaOfMinusX
                    if i == 0 || stride != 0 {
                      let rowIds = ids.baseAddress! + i * stride
                      for j in 0..<k { offset[j] = shift + lnq[Int(rowIds[j])] }
                    }
                    // -ln(1 - σ(x_j)) = softplus(x_j); d/dx_j = σ(x_j).
                    loss += Double(
                      Self.noiseRow(
                        scores: ns.baseAddress! + i * k, offsets: offset.baseAddress!,
                        gradient: ng.baseAddress! + i * k,
                        count: k, weight: weight))
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

  /// One row's noise terms, 16 at a time: `x_j = s_j - offsets_j`, returns `Σ softplus(x_j)` and
  /// adds `weight · σ(x_j)` to `gradient`.
  @inline(__always)
  static func noiseRow(
    scores s: UnsafePointer<Float>, offsets c: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
    count k: Int,
    weight: Float
  ) -> Float {
    typealias Lanes = VectorMath.Lanes
    var losses = Lanes()
    let w = Lanes(repeating: weight)
    var j = 0
    while j + 16 <= k {
      let x =
        UnsafeRawPointer(s + j).loadUnaligned(as: Lanes.self) - UnsafeRawPointer(c + j).loadUnaligned(as: Lanes.self)
      let negative = x .< 0
      let e = VectorMath.exp(x.replacing(with: -x, where: .!negative))  // exp(-|x|)
      let onePlus = 1 + e
      let sigma = (1 / onePlus).replacing(with: e / onePlus, where: negative)
      losses += x.replacing(with: 0, where: negative) + VectorMath.log(onePlus)
      let out = UnsafeMutableRawPointer(g + j)
      out.storeBytes(of: out.loadUnaligned(as: Lanes.self) + w * sigma, as: Lanes.self)
      j += 16
    }
    var total = losses.sum()
    while j < k {
      let (noiseLoss, sigma) = logisticLossAndSigmoid(s[j] - c[j])
      total += noiseLoss
      g[j] += weight * sigma
      j += 1
    }
    return total
  }
}

/// `(ln(1 + e^x), σ(x))` from one `exp` and one `log1p`, without overflow or cancellation.
@inline(__always)
func logisticLossAndSigmoid(_ x: Float) -> (softplus: Float, sigmoid: Float) {
  let e = Foundation.exp(-abs(x))
  let sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e)
  return (max(x, 0) + Foundation.log1p(e), sigmoid)
}
