import Foundation
import NCECore
import Testing

@testable import NCEModel

/// Evaluation in pieces (bounded memory) gives the figures of one pass over the whole text.
@Suite struct TextEvaluationTests {
  static func model() -> RNNLanguageModel {
    var config = ModelConfig(vocabularySize: 29)
    config.embeddingSize = 8
    config.hiddenSize = 9
    config.normTerm = 2
    var rng = SeededGenerator(seed: 7)
    return RNNLanguageModel(config: config, using: &rng)
  }

  static func sentences() -> [[Int32]] {
    var rng = SeededGenerator(seed: 3)
    return (0..<57).map { _ in (0..<rng.nextInt(below: 12)).map { _ in Int32(3 + rng.nextInt(below: 26)) } }
  }

  @Test func piecesAddUpToTheWholeText() throws {
    let model = Self.model()
    let whole = Corpus(sentences: Self.sentences())
    let scorer = SentenceScorer(model: model, mode: .normalized, batchSize: 8)
    let reference = scorer.score(
      (0..<whole.sentenceCount).map { whole.sentence($0) }, keepLogNormalizers: true)
    let offsets = reference.logNormalizerOffsets.map(Double.init)
    let mean = offsets.reduce(0, +) / Double(offsets.count)
    let variance = offsets.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(offsets.count)

    let words = Self.sentences().map { $0.map { "w\($0)" }.joined(separator: " ") }
    let path = try makeTemporaryFile("text.txt", text: words.joined(separator: "\n") + "\n")
    let vocabulary = try Vocabulary(
      words: ["<unk>", "<s>", "</s>"] + (3..<29).map { "w\($0)" }, counts: [Int](repeating: 0, count: 29),
      unknownTypeCount: nil)
    var evaluation = TextEvaluation()
    var pieces = 0
    try Corpus.forEachChunk(path: path, vocabulary: vocabulary, maxTokens: 40) { chunk in
      evaluation.add(chunk, scorer: scorer, offsets: true)
      pieces += 1
    }
    #expect(pieces > 5)
    #expect(evaluation.sentences == whole.sentenceCount)
    #expect(evaluation.words == whole.tokenCount)
    #expect(evaluation.predictions == whole.predictionCount)
    #expect(evaluation.oovs == 0)
    let total = reference.sentenceCosts.reduce(0, +)
    #expect(abs(evaluation.totalCost - total) <= 1e-5 * total)
    #expect(evaluation.offsetCount == whole.predictionCount)
    #expect(abs(evaluation.offsetMean - mean) <= 1e-5)
    // A fresh model is close to uniform: the offsets vary little, so compare relatively.
    #expect(variance > 1e-8)
    #expect(abs(evaluation.offsetStandardDeviation - variance.squareRoot()) <= 1e-3 * variance.squareRoot())
    let perplexity = try Evaluation.perplexity(model: model, corpus: whole, threads: 1)
    #expect(abs(log(perplexity) - evaluation.meanCost) <= 1e-6)
  }

  @Test func scoringInPiecesKeepsInputOrder() throws {
    let scorer = SentenceScorer(model: Self.model(), mode: .unnormalized, batchSize: 4)
    let sentences = Self.sentences()
    let whole = scorer.score(sentences.map { $0[...] }).sentenceCosts
    var remaining = sentences[...]
    var pieces: [[Double]] = []
    try scorer.scoreInPieces(pieceTokens: 30, next: { remaining.popFirst() }, body: { pieces.append($0) })
    #expect(pieces.count > 5)
    #expect(pieces.dropLast().allSatisfy { !$0.isEmpty })
    let joined = pieces.flatMap { $0 }
    #expect(joined.count == whole.count)
    for (x, y) in zip(joined, whole) { #expect(abs(x - y) <= 1e-5 * max(1, abs(y))) }
  }
}
