import Foundation
import NCECore

/// Corpus-level figures computed with `SentenceScorer`.
public enum Evaluation {
  /// Perplexity `exp(total cost / predicted tokens)`, predicted tokens = words + one `</s>`
  /// per sentence. Always normalized (full softmax), whatever criterion trained the model.
  /// Throws `PerplexityUndefinedError` for a model with the GRU index module.
  public static func perplexity(model: RNNLanguageModel, corpus: Corpus, threads: Int) throws -> Double {
    try model.checkSupports(.normalized)
    var evaluation = TextEvaluation()
    evaluation.add(corpus, scorer: SentenceScorer(model: model, mode: .normalized, threads: threads))
    return exp(evaluation.meanCost)
  }

  /// Mean unnormalized cost per predicted token, `-(1/N) Σ (s(w,h) - lnZ)` in nats (words plus
  /// one `</s>` per sentence). Not a perplexity: the scores are not normalized. Defined for
  /// every model; the only validation figure of index-module models.
  public static func meanUnnormalizedCost(model: RNNLanguageModel, corpus: Corpus, threads: Int) -> Double {
    var evaluation = TextEvaluation()
    evaluation.add(corpus, scorer: SentenceScorer(model: model, mode: .unnormalized, threads: threads))
    return evaluation.meanCost
  }
}
