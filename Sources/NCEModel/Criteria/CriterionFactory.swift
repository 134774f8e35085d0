import NCECore

/// Builds the criterion named by a model's config, with its noise distribution (training
/// unigram counts, floored and raised to `noisePower`).
public enum CriterionFactory {
  /// `model` is needed (and must be built from `config`) for `--index-module gru`, whose
  /// criterion scores with the model's own GRU and embedding.
  public static func make(for config: ModelConfig, vocabulary: Vocabulary, model: RNNLanguageModel? = nil) throws
    -> any TrainingCriterion
  {
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

  /// Start values of the output bias, for every criterion as in Pytorch-NCE's IndexLinear:
  /// `b[w] = ln q(w) + lnZ`, so an NCE model starts equal to the noise and a softmax model
  /// starts at the unigram distribution (the constant lnZ cancels in a softmax).
  public static func initializeOutputBias(of model: RNNLanguageModel, vocabulary: Vocabulary) throws {
    guard !model.config.usesIndexGRU else { return }
    model.output.bias.value = NCECriterion.initialBias(
      noise: try noise(model.config, vocabulary), normTerm: model.config.normTerm)
  }

  static func noise(_ config: ModelConfig, _ vocabulary: Vocabulary) throws -> NoiseDistribution {
    try NoiseDistribution(counts: vocabulary.counts, power: config.noisePower)
  }
}
