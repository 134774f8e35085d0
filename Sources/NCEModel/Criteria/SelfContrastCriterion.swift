import Foundation
import NCECore

/// Self-contrast (in-batch negatives, SPEC §5): the noise of each row is the other targets of
/// the same mini-batch. Per row, a softmax over the batch's *distinct* target words with
/// logits `s(w,h) - ln π(w)` and cross-entropy on the row's target (nats); other rows carrying
/// the same word as the target, and repeats of a word, are masked so each word counts once.
/// Scores are one GEMM `[N x E] x [E x M]` over the `M ≤ N` distinct targets.
///
/// Correction: `π(w) = 1 - (1 - q(w))^N` is the probability that `w` occurs among the `N`
/// targets of a batch when they are unigram draws. Batch targets are a frequency-biased
/// sample, so plain `s` would learn `ln p(w|h) - ln π(w)` (frequent words pushed down, the
/// "sampling bias" of in-batch negatives, Yi et al., RecSys 2019); subtracting `ln π` is the
/// sampled-softmax correction for a sample of distinct words (TensorFlow uses the same
/// expected-count term for unique candidate samplers). For small `q`, `ln π ≈ ln q + ln N`
/// and the constant cancels, matching the IS criterion; for frequent words `π` saturates at 1
/// where `N q` would not. `noise` should be the plain unigram (`power` 1) of the corpus.
public struct SelfContrastCriterion: TrainingCriterion {
  public let noise: NoiseDistribution
  private var draw = NoiseDraw()
  private var scores = SampledScores()
  private var seen: [Bool]
  /// `ln π(w)`, written for the current batch's distinct targets only.
  private var logInclusion: [Float]

  public init(noise: NoiseDistribution) {
    self.noise = noise
    seen = [Bool](repeating: false, count: noise.vocabularySize)
    logInclusion = [Float](repeating: 0, count: noise.vocabularySize)
  }

  /// `rng` is unused: the noise is the batch itself.
  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    let n = hidden.rows
    if n == 0 { return (0, Matrix(rows: 0, cols: output.size)) }
    precondition(output.vocabularySize == noise.vocabularySize, "self-contrast: noise and output vocabularies differ")
    draw.setDistinct(targets, seen: &seen)
    let batch = Double(n)
    for word in draw.ids {
      let q = noise.probability(of: Int(word))
      logInclusion[Int(word)] = Float(Foundation.log(-Foundation.expm1(batch * Foundation.log1p(-q))))
    }
    scores.computeScores(hidden: hidden, targets: targets, noise: draw, output: output, direct: direct)
    let loss = SampledSoftmaxCriterion.accumulate(
      into: &scores, targets: targets, noise: draw, logProposal: logInclusion, removeAccidentalHits: true,
      weight: scale)
    return (loss, scores.backward(hidden: hidden, targets: targets, noise: draw, output: output, direct: direct))
  }
}
