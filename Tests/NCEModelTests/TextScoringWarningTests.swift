import Foundation
import NCECore
import Testing

@testable import FileIO
@testable import NCEModel

/// `TextScoring`'s warnings and progress: utterance ids scored as words, unnormalized scoring of
/// a model that was never trained to self-normalize.
@Suite struct TextScoringWarningTests {
  static let words = ["<unk>", "<s>", "</s>", "the", "cat", "sat", "on", "mat"]

  static func setup(loss: LossKind) throws -> (Vocabulary, RNNLanguageModel) {
    let vocabulary = try Vocabulary(
      words: words, counts: [Int](repeating: 1, count: words.count), unknownTypeCount: nil)
    var config = ModelConfig(vocabularySize: words.count)
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.layers = 1
    config.loss = loss
    var rng = SeededGenerator(seed: 5)
    return (vocabulary, RNNLanguageModel(config: config, using: &rng))
  }

  static func warnings(text: String, keyed: Bool = false, loss: LossKind = .nce, mode: ScoringMode = .normalized)
    throws -> [String]
  {
    let (vocabulary, model) = try setup(loss: loss)
    let path = try makeTemporaryFile("text", text: text)
    var warnings: [String] = []
    _ = try TextScoring.score(
      text: path, keyed: keyed, vocabulary: vocabulary, scorer: SentenceScorer(model: model, mode: mode),
      warn: { warnings.append($0) }, output: { _ in })
    return warnings
  }

  @Test func utteranceIdsScoredAsWordsAreNoticed() throws {
    let text = (1...30).map { "spk1-utt\($0) the cat sat" }.joined(separator: "\n") + "\n"
    let warnings = try Self.warnings(text: text)
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("the first word of 30 of the first 30 lines") == true)
    #expect(warnings.first?.contains("--utt-ids") == true)
    #expect(try Self.warnings(text: text, keyed: true).isEmpty, "with --utt-ids the ids are keys")
  }

  @Test func ordinaryTextsGiveNoIdWarning() throws {
    // OOV first words that repeat are words, not ids; in-vocabulary first words are sentences.
    let repeated = (1...30).map { _ in "hello the cat" }.joined(separator: "\n") + "\n"
    #expect(try Self.warnings(text: repeated).isEmpty)
    let sentences = (1...30).map { $0 % 3 == 0 ? "zz\($0) sat" : "the cat sat on the mat" }.joined(separator: "\n")
    #expect(try Self.warnings(text: sentences + "\n").isEmpty, "a third of the lines is not most")
  }

  @Test func theIdCheckLooksAtTheFirstThousandLinesOnly() throws {
    let text =
      (1...1000).map { _ in "the cat" }.joined(separator: "\n") + "\n"
      + (1...2000).map { "id\($0) the cat" }.joined(separator: "\n") + "\n"
    #expect(try Self.warnings(text: text).isEmpty)
  }

  @Test func unnormalizedScoringOfACrossEntropyModelWarnsOnce() throws {
    let text = (1...250).map { _ in "the cat sat" }.joined(separator: "\n") + "\n"
    let warnings = try Self.warnings(text: text, loss: .full, mode: .unnormalized)
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("--loss full") == true)
    #expect(warnings.first?.contains("first 200 sentences") == true)
    #expect(try Self.warnings(text: text, loss: .nce, mode: .unnormalized).isEmpty)
    #expect(try Self.warnings(text: text, loss: .full, mode: .normalized).isEmpty)
    let short = try Self.warnings(text: "the cat\nsat\n", loss: .sampled, mode: .unnormalized)
    #expect(short.count == 1 && short[0].contains("first 2 sentences"), "a short text is its own sample")
  }

  @Test func progressCountsEverySentence() throws {
    let (vocabulary, model) = try Self.setup(loss: .nce)
    let path = try makeTemporaryFile("text", text: "the cat\nsat on\n\nmat\n")
    final class Box: @unchecked Sendable { var lines: [String] = [] }
    let box = Box()
    let time = ManualClock()
    let meter = ProgressMeter(
      tool: "rnnlm-score", label: "scoring", unit: "sentences", style: .log(interval: 0.5),
      clock: { time.tick() }, output: { box.lines.append($0) })
    var scorer = SentenceScorer(model: model, batchSize: 2)
    scorer.progress = meter
    _ = try TextScoring.score(text: path, keyed: false, vocabulary: vocabulary, scorer: scorer) { _ in }
    // Batches of 2 of the 4 sentences (the blank line is the empty sentence): two updates.
    #expect(
      box.lines == [
        "LOG (rnnlm-score) scoring: 2 sentences, 2.0 sentences/s, elapsed 1s\n",
        "LOG (rnnlm-score) scoring: 4 sentences, 2.0 sentences/s, elapsed 2s\n",
      ])
  }
}

/// A clock that moves one second every time it is read.
final class ManualClock: @unchecked Sendable {
  private var now = 0.0
  func tick() -> Double {
    now += 1
    return now
  }
}

/// `rnnlm-eval`'s pipeline runs the same utterance-id check as `rnnlm-score`.
@Suite struct TextEvaluationIdWarningTests {
  static func warnings(text: String) throws -> [String] {
    let (vocabulary, model) = try TextScoringWarningTests.setup(loss: .full)
    let path = try makeTemporaryFile("text", text: text)
    var warnings: [String] = []
    _ = try TextEvaluation.evaluate(
      text: path, model: model, vocabulary: vocabulary, mode: .normalized, selfNormalizationStatistics: false,
      threads: 1, warn: { warnings.append($0) })
    return warnings
  }

  @Test func idsAtTheStartOfEveryLineAreNoticed() throws {
    let text = (1...40).map { "spk2-utt\($0) the cat sat on the mat" }.joined(separator: "\n") + "\n"
    let warnings = try Self.warnings(text: text)
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("the first word of 40 of the first 40 lines") == true)
    #expect(warnings.first?.contains("cut -d' ' -f2-") == true, "rnnlm-eval has no --utt-ids: the advice differs")
  }

  @Test func plainSentencesAndRepeatedUnknownWordsPass() throws {
    let plain = (1...40).map { $0 % 2 == 0 ? "the cat sat" : "on the mat" }.joined(separator: "\n") + "\n"
    #expect(try Self.warnings(text: plain).isEmpty)
    let repeated = (1...40).map { _ in "<unk> cat sat" }.joined(separator: "\n") + "\n"
    #expect(try Self.warnings(text: repeated).isEmpty)
  }

  @Test func theWarningComesOnceFromTheFirstThousandLines() throws {
    let text = (1...1500).map { "u\($0) the cat" }.joined(separator: "\n") + "\n"
    let warnings = try Self.warnings(text: text)
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("of the first 1000 lines") == true)
  }
}
