import NCECore

/// Builds the criterion named by a model's config.
public enum CriterionFactory {
  public static func make(for config: ModelConfig, vocabulary: Vocabulary) throws -> any TrainingCriterion {
    switch config.loss {
    case .full:
      return CrossEntropyCriterion()
    default:
      throw ModelConfigError(message: "--loss \(config.loss.rawValue) is not available in this build")
    }
  }
}

extension CriterionFactory {
  /// Criterion-specific start values of the output bias (NCE starts equal to the noise:
  /// `b[w] = ln q(w) + lnZ`). Cross-entropy keeps the zero bias.
  public static func initializeOutputBias(of model: RNNLanguageModel, vocabulary: Vocabulary) {}
}
