import Foundation
import NCECore

/// Corpus-level figures computed with `SentenceScorer`.
public enum Evaluation {
  /// Perplexity `exp(total cost / predicted tokens)`, predicted tokens = words + one `</s>`
  /// per sentence. Always normalized (full softmax), whatever criterion trained the model.
  public static func perplexity(model: RNNLanguageModel, corpus: Corpus, threads: Int) -> Double {
    let scorer = SentenceScorer(model: model, mode: .normalized, threads: threads)
    let sentences = (0..<corpus.sentenceCount).map { corpus.sentence($0) }
    let total = scorer.score(sentences).sentenceCosts.reduce(0, +)
    return exp(total / Double(max(corpus.predictionCount, 1)))
  }
}
