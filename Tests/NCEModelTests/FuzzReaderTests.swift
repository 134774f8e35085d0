import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NCEModel

/// Fuzz tests of the NCEModel readers (vocabulary file, training text, corpus, model file):
/// random mutations of valid files end in a correct parse or an `InputError` naming the file.
@Suite struct FuzzReaderTests {
  static let text = Array(
    "the cat sat on the mat\nthe dog <unk> ran\n\n  naïve\tcafé  \r\nthe end\na b c d e f g\n".utf8)
  static let vocabularyFile = Array("the 10\ncat 3\n<unk> 2\nsat\n\nmat 1\nnaïve 4\n</s> 7\n".utf8)

  /// Tokens and non-blank lines of a text as `TextScanner` splits it (nil if not UTF-8).
  static func referenceCounts(_ bytes: [UInt8]) -> (tokens: Int, sentences: Int)? {
    var lines = FileMutator.lines(bytes)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var tokens = 0
    var sentences = 0
    for line in lines {
      guard String(validating: line, as: UTF8.self) != nil else { return nil }
      let words = line.split(whereSeparator: WhitespaceTokenizer.isSeparator).count
      tokens += words
      if words > 0 { sentences += 1 }
    }
    return (tokens, sentences)
  }

  @Test func vocabularyFileMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 11)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Self.vocabularyFile)
      let path = workspace.write(bytes, name: "vocab.txt")
      tally.run("round \(round): \(what)", location: path) {
        let vocabulary = try Vocabulary.load(path: path)
        // Every word of the file has its own id.
        for line in try LineReader.lines(of: path) {
          guard let word = WhitespaceTokenizer.tokens(of: line).first else { continue }
          #expect(vocabulary.contains(word), "round \(round): \(what): '\(word)' lost")
        }
      }
    }
    #expect(tally.accepted > 30 && tally.refused > 30, "\(tally)")
  }

  @Test func trainingTextMutationsForVocabularyAndCorpus() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 12)
    var built = FuzzTally()
    var read = FuzzTally()
    let fixed = try Vocabulary(
      words: Vocabulary.reservedWords + ["the", "cat", "a"], counts: [0, 0, 0, 0, 0, 0], unknownTypeCount: nil)
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Self.text)
      let path = workspace.write(bytes, name: "train.txt")
      let reference = Self.referenceCounts(bytes)
      built.run("build, round \(round): \(what)", location: path) {
        let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 1)
        // Counts cover every token once plus one </s> per sentence.
        #expect(
          vocabulary.counts.reduce(0, +) == (reference.map { $0.tokens + $0.sentences } ?? -1),
          "round \(round): \(what)")
      }
      read.run("corpus, round \(round): \(what)", location: path) {
        let corpus = try Corpus(path: path, vocabulary: fixed)
        #expect(
          corpus.tokenCount == reference?.tokens && corpus.sentenceCount == reference?.sentences,
          "round \(round): \(what)")
      }
    }
    #expect(built.accepted > 30 && built.refused > 30, "\(built)")
    #expect(read.accepted > 30 && read.refused > 30, "\(read)")
  }

  @Test func fiveMegabyteWordIsOneToken() throws {
    let workspace = try FuzzWorkspace()
    let path = workspace.write(FileMutator.withHugeLine(Self.text, atLine: 3), name: "huge.txt")
    let start = Date()
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 1)
    let corpus = try Corpus(path: path, vocabulary: vocabulary)
    #expect(vocabulary.words.contains { $0.utf8.count == 5_000_000 })
    #expect(corpus.sentenceCount == 6)
    #expect(Date().timeIntervalSince(start) < 20)
  }

  /// A small model file written by `ModelFile`.
  static func modelFileBytes(in workspace: FuzzWorkspace) throws -> [UInt8] {
    let vocabulary = try Vocabulary(
      words: Vocabulary.reservedWords + ["the", "cat"], counts: [1, 0, 2, 3, 1], unknownTypeCount: nil)
    var config = ModelConfig(vocabularySize: vocabulary.count)
    config.embeddingSize = 3
    config.hiddenSize = 4
    config.layers = 2
    var rng = SeededGenerator(seed: 3)
    let file = ModelFile(
      model: RNNLanguageModel(config: config, using: &rng), vocabulary: vocabulary, options: TrainingOptions(),
      state: TrainingState(options: TrainingOptions()))
    let path = workspace.directory + "/model.mdl"
    try file.write(to: path)
    return [UInt8](FileManager.default.contents(atPath: path)!)
  }

  @Test func modelFileByteMutations() throws {
    let workspace = try FuzzWorkspace()
    let valid = try Self.modelFileBytes(in: workspace)
    var mutator = FileMutator(seed: 13)
    var tally = FuzzTally()
    for round in 0..<200 {
      let (bytes, what) = mutator.mutate(valid)
      let path = workspace.write(bytes, name: "mutated.mdl")
      tally.run("round \(round): \(what)", location: path) {
        _ = try ModelFile.read(path: path)
        #expect(bytes == valid, "round \(round): \(what): a changed file was accepted")
      }
    }
    #expect(tally.refused > 150, "\(tally)")
  }

  /// Replaces one JSON number of `json` by an odd value (negative, zero, huge, fractional).
  static func mutateNumber(_ json: [UInt8], using generator: inout SeededGenerator) -> ([UInt8], String) {
    let text = String(decoding: json, as: UTF8.self)
    let numbers = text.matches(of: /-?[0-9][0-9.eE+-]*/).map(\.range)
    guard !numbers.isEmpty else { return (json, "no number") }
    let range = numbers[generator.nextInt(below: numbers.count)]
    let odd = ["0", "-1", "1", "2", "1000000000", "4611686018427387904", "1e300", "0.5", "99999999999999999999"]
    let replacement = odd[generator.nextInt(below: odd.count)]
    var mutated = text
    mutated.replaceSubrange(range, with: replacement)
    return (Array(mutated.utf8), "'\(text[range])' -> \(replacement)")
  }

  @Test func modelHeaderMutationsBehindAValidChecksum() throws {
    let workspace = try FuzzWorkspace()
    let valid = try ModelFileContainer.decode(try Self.modelFileBytes(in: workspace), file: "model")
    var mutator = FileMutator(seed: 14)
    var tally = FuzzTally()
    for round in 0..<200 {
      var checkpoint = valid
      let what: String
      if round % 2 == 0 {
        (checkpoint.configJSON, what) = Self.mutateNumber(valid.configJSON, using: &mutator.generator)
      } else {
        (checkpoint.configJSON, what) = mutator.mutate(valid.configJSON)
      }
      let path = workspace.directory + "/header.mdl"
      try ModelFileContainer.write(checkpoint, to: path)
      tally.run("round \(round): \(what)", location: path) { _ = try ModelFile.read(path: path) }
    }
    #expect(tally.accepted > 10 && tally.refused > 100, "\(tally)")
  }
}
