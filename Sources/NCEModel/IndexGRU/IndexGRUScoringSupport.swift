import NCECore

/// Normalized probabilities (perplexity, normalized rescoring, self-normalization statistics)
/// were asked of a model with the GRU index module, which defines unnormalized scores only:
/// its scores `s(w | c)` are never summed over the vocabulary.
public struct PerplexityUndefinedError: Error, CustomStringConvertible, Equatable {
  public init() {}
  public var description: String {
    "--index-module gru gives unnormalized sentence scores only; perplexity is undefined: use --unnormalized"
  }
}

extension RNNLanguageModel {
  /// False for index-module models: they have no output layer to normalize over.
  public var hasNormalizedScores: Bool { indexModule == nil }

  /// Throws `PerplexityUndefinedError` when `mode` is `.normalized` and the model has no
  /// normalized scores. Tools call this before scoring (`SentenceScorer` requires it).
  public func checkSupports(_ mode: ScoringMode) throws {
    if mode == .normalized && !hasNormalizedScores { throw PerplexityUndefinedError() }
  }

  /// The unnormalized score `s(targets[i], hidden[i])` of each row (before subtracting `lnZ`):
  /// the output layer's `h · W[w] + b[w]`, or the index module's `v · GRU(h, e_w) + b`.
  /// `hidden` is `[N x E]`, rows of `forward`'s output; `direct`: the rows' direct features,
  /// given exactly when the model has them.
  public func unnormalizedTargetScores(
    _ hidden: Matrix, targets: UnsafeBufferPointer<Int32>, direct: DirectRows? = nil
  ) -> [Float] {
    if let indexModule { return indexModule.targetScores(contexts: hidden, targets: targets) }
    return output.targetScores(hidden, targets: targets, direct: direct)
  }
}
