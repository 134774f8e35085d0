import Foundation
import NCECore

/// Full-NCE with the GRU index module (`--index-module gru`, Pytorch-NCE's `IndexGRU` under
/// `NCELoss`): for each real position, the target and `k` noise words from `q` are each put at
/// the *input* of one more step of the model's GRU, started from the context state, and scored
/// by the regressor (`IndexGRUModule`). NCE then classifies target against noise with
/// `P(D=1 | w, c) = σ(s(w|c) - lnZ - ln(k q(w)))`; loss per row
/// `-ln P(D=1 | t, c) - Σ_j ln(1 - P(D=1 | n_j, c))` (nats).
///
/// `hidden` is the model's GRU output at the real positions (the contexts `c`); the gradient
/// returned flows back into the model's forward pass, and the criterion itself adds the
/// gradients of the shared GRU, of the embedding rows of every candidate and of the regressor.
/// The model's output layer is not used (it is not part of such a model's parameters).
/// Noise is batched by default (one draw of `k` shared by the mini-batch, Pytorch-NCE's default);
/// `perWordNoise` draws `k` per row. Cost: `O((U + N) E H + N k H)` for `U` distinct words.
public struct IndexGRUCriterion: TrainingCriterion {
  public let module: IndexGRUModule
  public let noise: NoiseDistribution
  /// `k`: noise words per target.
  public let noiseRatio: Int
  /// `lnZ`: the constant log-normalizer the scores are trained towards.
  public let normTerm: Float
  public let perWordNoise: Bool
  private var draw = NoiseDraw()
  private var workspace = IndexGRUWorkspace()

  public init(
    module: IndexGRUModule, noise: NoiseDistribution, noiseRatio k: Int, normTerm lnZ: Float, perWordNoise: Bool = false
  ) {
    precondition(k >= 1, "NCE needs at least one noise word per target")
    precondition(noise.vocabularySize == module.vocabularySize, "noise and embedding vocabularies differ")
    self.module = module
    self.noise = noise
    noiseRatio = k
    normTerm = lnZ
    self.perWordNoise = perWordNoise
  }

  /// The same criterion on the replica's index module (this one writes the gradients of the
  /// module it holds).
  public func forReplica(_ replica: RNNLanguageModel) -> any TrainingCriterion {
    guard let replicaModule = replica.indexModule else { preconditionFailure("a replica of an index-GRU model") }
    return IndexGRUCriterion(
      module: replicaModule, noise: noise, noiseRatio: noiseRatio, normTerm: normTerm, perWordNoise: perWordNoise)
  }

  /// `output` is unused: the index module replaces the output layer.
  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    precondition(direct == nil, "--index-module gru has no output score for direct features")
    if hidden.rows == 0 { return (0, Matrix(rows: 0, cols: module.hiddenSize)) }
    draw.draw(from: noise, count: noiseRatio, rows: hidden.rows, perRow: perWordNoise, using: &rng)
    return lossAndGradient(contexts: hidden, targets: targets, scale: scale, noise: draw)
  }

  /// The criterion on given noise ids (tests; `noise.count` plays the role of `k`).
  mutating func lossAndGradient(
    contexts: Matrix, targets: UnsafeBufferPointer<Int32>, scale: Float, noise ids: NoiseDraw
  ) -> (loss: Double, gradHidden: Matrix) {
    let shift = normTerm + Float(Foundation.log(Double(ids.count)))  // lnZ + ln k
    let (loss, grad) = noise.logProbabilities.withUnsafeBufferPointer { lnq in
      workspace.lossAndGradient(module: module, contexts: contexts, targets: targets, noise: ids) {
        _, candidate, word, score in
        let logit = score - shift - lnq[Int(word)]
        if candidate == 0 {
          // -ln σ(x) = softplus(-x); d/dx = -σ(-x).
          let (loss, sigmaOfMinusX) = logisticLossAndSigmoid(-logit)
          return (loss, -scale * sigmaOfMinusX)
        }
        // -ln(1 - σ(x)) = softplus(x); d/dx = σ(x).
        let (loss, sigma) = logisticLossAndSigmoid(logit)
        return (loss, scale * sigma)
      }
    }
    return (loss, grad)
  }
}
