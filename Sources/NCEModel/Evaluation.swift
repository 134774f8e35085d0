import Foundation
import NCECore

/// Corpus-level figures computed with `SentenceScorer`.
public enum Evaluation {
  /// Perplexity `exp(total cost / predicted tokens)`, predicted tokens = words + one `</s>`
  /// per sentence. Always normalized (full softmax), whatever criterion trained the model.
  /// Throws `PerplexityUndefinedError` for a model with the GRU index module.
  public static func perplexity(model: RNNLanguageModel, corpus: Corpus, threads: Int) throws -> Double {
    try model.checkSupports(.normalized)
    let scorer = SentenceScorer(model: model, mode: .normalized, threads: threads)
    let sentences = (0..<corpus.sentenceCount).map { corpus.sentence($0) }
    let total = scorer.score(sentences).sentenceCosts.reduce(0, +)
    return exp(total / Double(max(corpus.predictionCount, 1)))
  }

  /// Mean unnormalized cost per predicted token, `-(1/N) Σ (s(w,h) - lnZ)` in nats (words plus
  /// one `</s>` per sentence). Not a perplexity: the scores are not normalized. Defined for
  /// every model; the only validation figure of index-module models.
  public static func meanUnnormalizedCost(model: RNNLanguageModel, corpus: Corpus, threads: Int) -> Double {
    let scorer = SentenceScorer(model: model, mode: .unnormalized, threads: threads)
    let sentences = (0..<corpus.sentenceCount).map { corpus.sentence($0) }
    let total = scorer.score(sentences).sentenceCosts.reduce(0, +)
    return total / Double(max(corpus.predictionCount, 1))
  }
}
