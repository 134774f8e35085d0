import NCECore

/// Builds the criterion named by a model's config, with its noise distribution (training
/// unigram counts, floored and raised to `noisePower`).
public enum CriterionFactory {
  /// `model` is needed (and must be built from `config`) for `--index-module gru`, whose
  /// criterion scores with the model's own GRU and embedding.
  public static func make(for config: ModelConfig, vocabulary: Vocabulary, model: RNNLanguageModel? = nil) throws -> any TrainingCriterion {
    if config.usesIndexGRU {
      guard let module = model?.indexModule else {
        throw ModelConfigError(message: "--index-module gru: the criterion needs a model built with the index module")
      }
      return IndexGRUCriterion(
        module: module, noise: try noise(config, vocabulary), noiseRatio: config.noiseRatio, normTerm: config.normTerm,
        perWordNoise: config.perWordNoise)
    }
    switch config.loss {
    case .full:
      return CrossEntropyCriterion()
    case .nce:
      return NCECriterion(
        noise: try noise(config, vocabulary), noiseRatio: config.noiseRatio, normTerm: config.normTerm,
        perWordNoise: config.perWordNoise)
    case .sampled:
      return SampledSoftmaxCriterion(
        noise: try noise(config, vocabulary), k: config.noiseRatio, removeAccidentalHits: config.removeAccidentalHits,
        perWordNoise: config.perWordNoise)
    case .mix:
      return MixCriterion(
        noise: try noise(config, vocabulary), noiseRatio: config.noiseRatio, normTerm: config.normTerm,
        removeAccidentalHits: config.removeAccidentalHits, perWordNoise: config.perWordNoise)
    case .self:
      return SelfContrastCriterion(noise: try NoiseDistribution(counts: vocabulary.counts))
    }
  }

  /// Criterion-specific start values of the output bias: NCE and mix start equal to the
  /// noise (`b[w] = ln q(w) + lnZ`, Pytorch-NCE); the other criteria keep the zero bias.
  public static func initializeOutputBias(of model: RNNLanguageModel, vocabulary: Vocabulary) throws {
    guard (model.config.loss == .nce || model.config.loss == .mix) && !model.config.usesIndexGRU else { return }
    model.output.bias.value = NCECriterion.initialBias(noise: try noise(model.config, vocabulary), normTerm: model.config.normTerm)
  }

  static func noise(_ config: ModelConfig, _ vocabulary: Vocabulary) throws -> NoiseDistribution {
    try NoiseDistribution(counts: vocabulary.counts, power: config.noisePower)
  }
}
