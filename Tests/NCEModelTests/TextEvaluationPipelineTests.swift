import Foundation
import NCECore
import Testing

@testable import FileIO
@testable import NCEModel

/// `TextEvaluation.evaluate`, the pipeline of `rnnlm-eval`.
@Suite struct TextEvaluationPipelineTests {
  static let words = ["<unk>", "<s>", "</s>", "the", "cat", "sat"]

  static func setup(loss: LossKind = .nce) throws -> (Vocabulary, RNNLanguageModel) {
    let vocabulary = try Vocabulary(
      words: words, counts: [Int](repeating: 1, count: words.count), unknownTypeCount: nil)
    var config = ModelConfig(vocabularySize: words.count)
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.layers = 1
    config.loss = loss
    var rng = SeededGenerator(seed: 8)
    return (vocabulary, RNNLanguageModel(config: config, using: &rng))
  }

  @Test func countsSeparateOutOfVocabularyWordsFromLiteralUnk() throws {
    let (vocabulary, model) = try Self.setup()
    let path = try makeTemporaryFile("valid.txt", text: "the <unk> sat\ndog cat <unk> <unk>\n")
    let report = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .normalized, selfNormalizationStatistics: false,
      threads: 1)
    #expect(report.evaluation.words == 7)
    #expect(report.evaluation.oovs == 4)
    #expect(report.evaluation.literalUnks == 3)
    #expect(report.evaluation.outOfVocabularyWords == 1)
    #expect(
      report.lines.hasPrefix(
        "\(path): 2 sentences, 7 words, 4 scored as <unk> (57.14%): 1 out-of-vocabulary words (14.29%) and 3 literal <unk> tokens of the text (42.86%)\n"
      ))
  }

  @Test func perplexityIsTheExponentialOfTheMeanSentenceCost() throws {
    let (vocabulary, model) = try Self.setup()
    let path = try makeTemporaryFile("valid.txt", text: "the cat sat\ncat\nsat the\n")
    let report = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .normalized, selfNormalizationStatistics: true, threads: 1
    )
    let corpus = try Corpus(path: path, vocabulary: vocabulary)
    let costs = SentenceScorer(model: model).score((0..<corpus.sentenceCount).map { corpus.sentence($0) }).sentenceCosts
    let mean = costs.reduce(0, +) / Double(corpus.predictionCount)
    #expect(
      report.lines.contains(
        String(format: "ppl %.2f (mean cost %.4f nats over 9 tokens incl. </s>)\n", exp(mean), mean)))
    #expect(report.lines.contains("self-norm ln Z(h) - lnZ: mean "))
  }

  @Test func unnormalizedCostsOfAModelNotTrainedToSelfNormalizeWarn() throws {
    let (vocabulary, model) = try Self.setup(loss: .full)
    let path = try makeTemporaryFile("valid.txt", text: "the cat sat\ncat\n")
    var warnings: [String] = []
    let report = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .unnormalized, selfNormalizationStatistics: false,
      threads: 1, warn: { warnings.append($0) })
    #expect(warnings.count == 1 && warnings[0].contains("--loss full"))
    #expect(report.lines.contains("not a perplexity") && !report.lines.contains("ppl "))
    warnings.removeAll()
    // With --self-norm-stats the statistics themselves say how far the costs are.
    let measured = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .unnormalized, selfNormalizationStatistics: true,
      threads: 1, warn: { warnings.append($0) })
    #expect(warnings.isEmpty)
    #expect(measured.lines.contains("self-norm ln Z(h) - lnZ"))
    let (_, nce) = try Self.setup(loss: .nce)
    _ = try TextEvaluation.evaluate(
      text: path, model: nce, vocabulary: vocabulary, mode: .unnormalized, selfNormalizationStatistics: false,
      threads: 1, warn: { warnings.append($0) })
    #expect(warnings.isEmpty)
  }

  @Test func progressCountsScoredSentences() throws {
    let (vocabulary, model) = try Self.setup()
    let path = try makeTemporaryFile("valid.txt", text: String(repeating: "the cat sat\n", count: 130))
    final class Box: @unchecked Sendable { var lines: [String] = [] }
    let box = Box()
    let clock = ManualClock()
    let meter = ProgressMeter(
      tool: "rnnlm-eval", label: "scoring", unit: "sentences", style: .log(interval: 0.5), clock: { clock.tick() },
      output: { box.lines.append($0) })
    _ = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .normalized, selfNormalizationStatistics: false,
      threads: 1, progress: meter)
    // Batches of 64: 64, 128, 130.
    #expect(box.lines.map { $0.split(separator: " ")[3] } == ["64", "128", "130"])
  }
}

/// A model whose costs are not finite: evaluation and sentence scoring refuse them instead of
/// printing `ppl nan` or `inf` costs. (Model files with non-finite weights are refused when
/// read; here the weights are set in memory, which stands for any overflow.)
@Suite struct OverflowingScoresTests {
  static func overflowingModel() throws -> (Vocabulary, RNNLanguageModel) {
    let (vocabulary, model) = try TextEvaluationPipelineTests.setup()
    var tensors = model.tensors
    var bias = try #require(tensors["output.bias"])
    for row in 0..<bias.rows { bias[row, 0] = .nan }
    tensors["output.bias"] = bias
    return (vocabulary, try RNNLanguageModel(config: model.config, tensors: tensors))
  }

  @Test func evaluationRefusesNonFiniteCosts() throws {
    let (vocabulary, model) = try Self.overflowingModel()
    let path = try makeTemporaryFile("valid.txt", text: "the cat sat\ncat\n")
    let error = #expect(throws: InputError.self) {
      _ = try TextEvaluation.evaluate(
        text: path, model: model, vocabulary: vocabulary, mode: .normalized, selfNormalizationStatistics: false,
        threads: 1)
    }
    #expect(error?.file == path)
    #expect(error?.message.contains("scores overflow") == true)
  }

  @Test func sentenceScoringRefusesNonFiniteCosts() throws {
    let (vocabulary, model) = try Self.overflowingModel()
    let path = try makeTemporaryFile("text", text: "u1 the cat\nu2 sat\n")
    var printed: [String] = []
    let error = #expect(throws: InputError.self) {
      _ = try TextScoring.score(text: path, keyed: true, vocabulary: vocabulary, scorer: SentenceScorer(model: model)) {
        printed.append($0)
      }
    }
    #expect(error?.message.contains("the cost of utterance u1 is") == true, "\(String(describing: error))")
    #expect(printed.isEmpty)
  }
}
