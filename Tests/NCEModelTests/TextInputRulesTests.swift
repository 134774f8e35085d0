import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NCEModel

/// The text rules (README "Text inputs") for the NCEModel readers: training and evaluation
/// texts, vocabulary files, and the texts of `rnnlm-score` (`TextScoring`).
@Suite struct TextInputRulesTests {
  static let words = ["<unk>", "<s>", "</s>", "the", "cat", "sat", "a\u{00A0}b"]

  static func vocabulary() throws -> Vocabulary {
    try Vocabulary(words: words, counts: [Int](repeating: 0, count: words.count), unknownTypeCount: nil)
  }

  static func scorer() -> SentenceScorer {
    var config = ModelConfig(vocabularySize: words.count)
    config.embeddingSize = 4
    config.hiddenSize = 5
    var rng = SeededGenerator(seed: 11)
    return SentenceScorer(model: RNNLanguageModel(config: config, using: &rng), batchSize: 2)
  }

  @Test(arguments: TextInputRules.separators)
  func trainingTextSplitsOnEachSeparator(separator: String) throws {
    let text = TextInputRules.fill("the␣cat␣␣sat\n␣\n␣a\u{00A0}b␣the␣\n", with: separator)
    let path = try makeTemporaryFile("train.txt", text: text)
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 1)
    #expect(Set(vocabulary.words) == Set(Self.words))
    let corpus = try Corpus(path: path, vocabulary: vocabulary)
    #expect(corpus.sentenceCount == 2 && corpus.emptyLineCount == 1)
    #expect(Array(corpus.sentence(1)) == ["a\u{00A0}b", "the"].map { vocabulary.id(of: $0[...]) })
  }

  @Test func byteOrderMarkIsRefusedInTextsAndVocabularies() throws {
    let text = try makeTemporaryFile("train.txt", bytes: TextInputRules.withByteOrderMark("the cat\n"))
    let vocabularyFile = try makeTemporaryFile("vocab.txt", bytes: TextInputRules.withByteOrderMark("the 3\ncat 1\n"))
    let vocabulary = try Self.vocabulary()
    let reads: [(String, () throws -> Void)] = [
      (text, { _ = try Vocabulary.build(trainingText: text, minFreq: 1) }),
      (text, { _ = try Corpus(path: text, vocabulary: vocabulary) }),
      (vocabularyFile, { _ = try Vocabulary.load(path: vocabularyFile) }),
      (
        text,
        { _ = try TextScoring.score(text: text, keyed: false, vocabulary: vocabulary, scorer: Self.scorer()) { _ in } }
      ),
      (
        text,
        { _ = try TextScoring.score(text: text, keyed: true, vocabulary: vocabulary, scorer: Self.scorer()) { _ in } }
      ),
    ]
    for (index, (file, read)) in reads.enumerated() {
      #expect(TextInputRules.isByteOrderMarkError(inputError(read), file: file), "reader \(index)")
    }
  }

  @Test(arguments: TextInputRules.separators)
  func vocabularyFileSplitsOnEachSeparator(separator: String) throws {
    let path = try makeTemporaryFile(
      "vocab.txt", text: TextInputRules.fill("the␣7\n␣\ncat\na\u{00A0}b␣2␣\n", with: separator))
    let vocabulary = try Vocabulary.load(path: path)
    #expect(Array(vocabulary.words.dropFirst(3)) == ["the", "cat", "a\u{00A0}b"])
    #expect(Array(vocabulary.counts.dropFirst(3)) == [7, 0, 2])
  }

  /// rnnlm-score's pipeline: one output per line (a blank line is an empty sentence) or, keyed,
  /// a Kaldi table read from any rspecifier; each separator splits words.
  @Test(arguments: TextInputRules.separators)
  func scoringSplitsOnEachSeparatorAndKeepsLineOrder(separator: String) throws {
    let vocabulary = try Self.vocabulary()
    let scorer = Self.scorer()
    let sentences: [[String]] = [["the", "cat"], [], ["a\u{00A0}b", "zebra", "sat"]]
    let ids = sentences.map { $0.map { vocabulary.id(of: $0[...]) } }
    let expected = scorer.score(ids.map { $0[...] }).sentenceCosts.map { String(format: "%.6f", $0) }

    let plain = try makeTemporaryFile(
      "text", text: TextInputRules.fill("the␣␣cat␣\n␣\na\u{00A0}b␣zebra␣sat\n", with: separator))
    var lines: [String] = []
    let summary = try TextScoring.score(text: plain, keyed: false, vocabulary: vocabulary, scorer: scorer) {
      lines.append($0)
    }
    #expect(lines == expected)
    #expect(summary == TextScoring.Summary(sentences: 3, words: 5, oovs: 1))

    let keyed = try makeTemporaryFile(
      "text", text: TextInputRules.fill("s1␣the␣cat\n\n␣s2␣\ns3␣a\u{00A0}b␣zebra␣sat\n", with: separator))
    for form in [keyed, "ark:" + keyed, "ark,t:cat \(keyed) |"] {
      lines = []
      _ = try TextScoring.score(text: form, keyed: true, vocabulary: vocabulary, scorer: scorer) { lines.append($0) }
      #expect(lines == zip(["s1", "s2", "s3"], expected).map { "\($0) \($1)" }, "\(form)")
    }
  }

  /// One rule for `<s>`/`</s>` inside a sentence: an error at its line, in scoring as in
  /// evaluation and training; the key of a keyed line is not a word.
  @Test func boundaryWordsInsideASentenceAreRefusedEverywhere() throws {
    let vocabulary = try Self.vocabulary()
    for word in ["<s>", "</s>"] {
      let path = try makeTemporaryFile("text", text: "the cat\nthe \(word) cat\n")
      let message = "reserved word '\(word)' inside a sentence (sentence boundaries are implicit; remove it)"
      let scoring = inputError {
        _ = try TextScoring.score(text: path, keyed: false, vocabulary: vocabulary, scorer: Self.scorer()) { _ in }
      }
      #expect(scoring == InputError(message, file: path, line: 2))
      let keyed = inputError {
        _ = try TextScoring.score(text: path, keyed: true, vocabulary: vocabulary, scorer: Self.scorer()) { _ in }
      }
      #expect(keyed == InputError(message, file: path, line: 2))
      #expect(
        inputError { _ = try Corpus(path: path, vocabulary: vocabulary) } == InputError(message, file: path, line: 2))
    }
    let keyedBoundary = try makeTemporaryFile("text", text: "<s> the cat\n")
    var lines: [String] = []
    _ = try TextScoring.score(text: keyedBoundary, keyed: true, vocabulary: vocabulary, scorer: Self.scorer()) {
      lines.append($0)
    }
    #expect(lines.count == 1 && lines[0].hasPrefix("<s> "))
  }
}
