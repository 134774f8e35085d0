import NCECore

/// Half NCE, half sampled softmax: `loss = 0.5 NCE + 0.5 IS` per row (nats).
///
/// Both halves use the same noise draw (one `k`-id draw per mini-batch, or per row with
/// `perWordNoise`) and the same scores. Each half's expected gradient is what it would be with
/// its own draw (the draw is independent of the data either way); sharing only correlates the
/// two halves' sampling noise, and it halves the sampling and GEMM cost. NCE keeps accidental
/// hits (a noise word equal to the target is a legitimate label-0 sample); the IS half
/// removes them when asked.
public struct MixCriterion: TrainingCriterion {
  public let noise: NoiseDistribution
  public let noiseRatio: Int
  public let normTerm: Float
  public let removeAccidentalHits: Bool
  public let perWordNoise: Bool
  private var draw = NoiseDraw()
  private var scores = SampledScores()

  public init(
    noise: NoiseDistribution, noiseRatio k: Int, normTerm lnZ: Float, removeAccidentalHits: Bool = true,
    perWordNoise: Bool = false
  ) {
    precondition(k >= 1, "the mix criterion needs at least one noise word per target")
    self.noise = noise
    noiseRatio = k
    normTerm = lnZ
    self.removeAccidentalHits = removeAccidentalHits
    self.perWordNoise = perWordNoise
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

  /// The criterion on given noise ids (tests).
  mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, scale: Float, noise ids: NoiseDraw,
    direct: DirectRows? = nil
  ) -> (loss: Double, gradHidden: Matrix) {
    scores.computeScores(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct)
    let nce = NCECriterion.accumulate(
      into: &scores, targets: targets, noise: ids, logNoise: noise.logProbabilities, normTerm: normTerm,
      weight: 0.5 * scale)
    let sampled = SampledSoftmaxCriterion.accumulate(
      into: &scores, targets: targets, noise: ids, logProposal: noise.logProbabilities,
      removeAccidentalHits: removeAccidentalHits, weight: 0.5 * scale)
    return (
      0.5 * nce + 0.5 * sampled,
      scores.backward(hidden: hidden, targets: targets, noise: ids, output: output, direct: direct)
    )
  }
}
