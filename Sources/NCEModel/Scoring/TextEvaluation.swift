import Foundation

/// Corpus-level figures accumulated piece by piece (`Corpus.forEachChunk`), so a text of any
/// size is evaluated in bounded memory: total cost over the predicted tokens (words plus one
/// `</s>` per sentence) and, optionally, the self-normalization offsets
/// `ln Σ_w exp s(w,h) - lnZ` of every predicted token.
public struct TextEvaluation: Sendable {
  public private(set) var sentences = 0
  public private(set) var words = 0
  /// Words mapped to `<unk>`, literal `<unk>` tokens included.
  public private(set) var oovs = 0
  /// Of `oovs`, the text's own literal `<unk>` tokens.
  public private(set) var literalUnks = 0
  /// Words outside the vocabulary (mapped to `<unk>` by the vocabulary, not by the text).
  public var outOfVocabularyWords: Int { oovs - literalUnks }
  /// Summed sentence costs under the scorer's mode (nats).
  public private(set) var totalCost = 0.0
  /// Tokens with a self-normalization offset.
  public private(set) var offsetCount = 0
  private var offsetSum = 0.0
  private var offsetSquares = 0.0

  public init() {}

  /// Predicted tokens: words plus one `</s>` per sentence.
  public var predictions: Int { words + sentences }
  /// Mean cost per predicted token; its exponential is the perplexity in normalized mode.
  public var meanCost: Double { totalCost / Double(max(predictions, 1)) }
  public var offsetMean: Double { offsetSum / Double(max(offsetCount, 1)) }
  public var offsetStandardDeviation: Double {
    (max(0, offsetSquares / Double(max(offsetCount, 1)) - offsetMean * offsetMean)).squareRoot()
  }

  /// Scores `chunk` with `scorer` and adds its figures; with `offsets` (a normalized scorer
  /// only) also the self-normalization offsets.
  public mutating func add(_ chunk: Corpus, scorer: SentenceScorer, offsets: Bool = false) {
    let sentenceList = (0..<chunk.sentenceCount).map { chunk.sentence($0) }
    let result = scorer.score(sentenceList, keepLogNormalizers: offsets)
    sentences += chunk.sentenceCount
    words += chunk.tokenCount
    oovs += chunk.oovCount
    literalUnks += chunk.literalUnkCount
    totalCost += result.sentenceCosts.reduce(0, +)
    for offset in result.logNormalizerOffsets {
      offsetSum += Double(offset)
      offsetSquares += Double(offset) * Double(offset)
    }
    offsetCount += result.logNormalizerOffsets.count
  }
}
