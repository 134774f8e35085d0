import Foundation
import NCECore
import Testing

@testable import NCEModel

@Suite struct SelfNormalizationTests {
  static func model(loss: LossKind) -> RNNLanguageModel {
    var config = ModelConfig(vocabularySize: 12)
    config.embeddingSize = 6
    config.hiddenSize = 7
    config.layers = 1
    config.dropout = 0
    config.loss = loss
    config.normTerm = 1.5
    var rng = SeededGenerator(seed: 31)
    return RNNLanguageModel(config: config, using: &rng)
  }

  static let sentences: [ArraySlice<Int32>] = [[3, 4, 5], [6], [7, 8, 9, 10, 11], []].map { ArraySlice($0) }

  /// The offset of a token is its normalized cost minus its unnormalized cost
  /// (`ln Σ exp s - s` against `lnZ - s`), so the mean follows from the two scorers alone.
  @Test func offsetsAreTheGapBetweenUnnormalizedAndNormalizedCosts() {
    let model = Self.model(loss: .full)
    let normalized = SentenceScorer(model: model, mode: .normalized).score(Self.sentences, keepWordCosts: true)
    let unnormalized = SentenceScorer(model: model, mode: .unnormalized).score(Self.sentences, keepWordCosts: true)
    var gaps: [Double] = []
    for (exact, raw) in zip(normalized.wordCosts, unnormalized.wordCosts) {
      for (e, r) in zip(exact, raw) { gaps.append(Double(e) - Double(r)) }
    }
    let mean = gaps.reduce(0, +) / Double(gaps.count)
    let std = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
    let measured = SelfNormalization.measure(model: model, sentences: Self.sentences)
    #expect(measured.tokens == 3 + 1 + 5 + 0 + 4)
    #expect(abs(measured.mean - mean) < 1e-4)
    #expect(abs(measured.standardDeviation - std) < 1e-4)
    #expect(std > 0, "a random model's offsets vary with the context")
  }

  @Test(arguments: [LossKind.full, .sampled, .self])
  func criteriaThatNeverTrainSelfNormalizationWarn(loss: LossKind) throws {
    let model = Self.model(loss: loss)
    let warning = try #require(SelfNormalization.unnormalizedScoringWarning(model: model, sample: Self.sentences))
    let measured = SelfNormalization.measure(model: model, sentences: Self.sentences)
    #expect(warning.contains("--loss \(loss.rawValue)"))
    #expect(warning.contains(String(format: "mean %.3f std %.3f", measured.mean, measured.standardDeviation)))
    #expect(warning.contains("first 4 sentences (13 tokens)"))
  }

  @Test(arguments: [LossKind.nce, .mix])
  func selfNormalizingCriteriaDoNotWarn(loss: LossKind) {
    #expect(SelfNormalization.unnormalizedScoringWarning(model: Self.model(loss: loss), sample: Self.sentences) == nil)
  }

  @Test func noSampleNoWarning() {
    #expect(SelfNormalization.unnormalizedScoringWarning(model: Self.model(loss: .full), sample: []) == nil)
  }
}
