import FileIO
import NCECore
import Testing

@testable import NCEModel

@Suite struct VocabularyTests {
  @Test func buildOrdersByCountThenWord() throws {
    let path = try makeTemporaryFile("train.txt", text: "b a c\nc b\n\nc y x\nx y\n")
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 1)
    #expect(vocabulary.words == ["<unk>", "<s>", "</s>", "c", "b", "x", "y", "a"])
    #expect(vocabulary.counts == [0, 0, 4, 3, 2, 2, 2, 1])
    #expect(vocabulary.unknownTypeCount == 0)
    #expect(vocabulary.id(of: "x") == 5)
    #expect(vocabulary.id(of: "zzz") == Vocabulary.unkID)
    #expect(vocabulary.id(of: "a b"[..<"a b".index(after: "a b".startIndex)]) == 7)
    #expect(vocabulary.contains("c"))
    #expect(!vocabulary.contains("d"))
  }

  @Test func minFreqMapsRareWordsToUnknown() throws {
    let path = try makeTemporaryFile("train.txt", text: "b a c\nc b\nc d e\n")
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 2)
    #expect(vocabulary.words == ["<unk>", "<s>", "</s>", "c", "b"])
    #expect(vocabulary.counts == [3, 0, 3, 3, 2])
    #expect(vocabulary.unknownTypeCount == 3)
  }

  @Test func literalUnknownInTextLeavesUnknownTypeCountNil() throws {
    let path = try makeTemporaryFile("train.txt", text: "<unk> a a\nb <unk>\n")
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 2)
    #expect(vocabulary.words == ["<unk>", "<s>", "</s>", "a"])
    #expect(vocabulary.counts == [3, 0, 2, 2])
    #expect(vocabulary.unknownTypeCount == nil)
  }

  @Test func buildRefusesBadInput() throws {
    let empty = try makeTemporaryFile("empty.txt", text: "\n\n")
    #expect(
      inputError { _ = try Vocabulary.build(trainingText: empty, minFreq: 1) }?.description == "\(empty): no sentences")
    #expect(
      inputError { _ = try Vocabulary.build(trainingText: empty, minFreq: 0) }?.message.contains("min-freq") == true)
    let bounds = try makeTemporaryFile("b.txt", text: "a\na </s>\n")
    let error = inputError { _ = try Vocabulary.build(trainingText: bounds, minFreq: 1) }
    #expect(error?.file == bounds && error?.line == 2)
  }

  @Test func loadKeepsFileOrderAndReservedPositions() throws {
    let path = try makeTemporaryFile("vocab.txt", text: "the 10\n</s> 4\n\ncat\n<unk> 2\ndog 3\n")
    let vocabulary = try Vocabulary.load(path: path)
    #expect(vocabulary.words == ["<unk>", "<s>", "</s>", "the", "cat", "dog"])
    #expect(vocabulary.counts == [2, 0, 4, 10, 0, 3])
    #expect(vocabulary.unknownTypeCount == nil)
  }

  @Test func loadRefusesDuplicatesWithFileLineAndWord() throws {
    let path = try makeTemporaryFile("vocab.txt", text: "the\ncat\nthe\n")
    let error = inputError { _ = try Vocabulary.load(path: path) }
    #expect(error?.description == "\(path):3: duplicate word 'the' (first on line 1)")
  }

  @Test(arguments: ["the 1 2\n", "the x\n", "the -3\n"])
  func loadRefusesMalformedLines(text: String) throws {
    let path = try makeTemporaryFile("vocab.txt", text: "cat\n" + text)
    let error = inputError { _ = try Vocabulary.load(path: path) }
    #expect(error?.file == path && error?.line == 2)
  }

  @Test func loadRefusesAnEmptyVocabulary() throws {
    let path = try makeTemporaryFile("vocab.txt", text: "<unk>\n\n")
    #expect(inputError { _ = try Vocabulary.load(path: path) }?.description == "\(path): no words in vocabulary file")
  }

  @Test func fileTextRoundTripsThroughLoad() throws {
    let train = try makeTemporaryFile("train.txt", text: "b a c\nc b\n")
    let built = try Vocabulary.build(trainingText: train, minFreq: 1)
    let path = try makeTemporaryFile("vocab.txt", text: built.fileText)
    var loaded = try Vocabulary.load(path: path)
    #expect(loaded.words == built.words && loaded.counts == built.counts)
    loaded.unknownTypeCount = built.unknownTypeCount
    #expect(loaded == built)
  }

  @Test func setCountsCountsTrainingTextAgainstFixedWords() throws {
    let vocabPath = try makeTemporaryFile("vocab.txt", text: "a\nb\n")
    var vocabulary = try Vocabulary.load(path: vocabPath)
    let train = try makeTemporaryFile("train.txt", text: "a b z\nb b\nq\n")
    try vocabulary.setCounts(fromTrainingText: train)
    #expect(vocabulary.counts == [2, 0, 3, 1, 3])
    #expect(vocabulary.words == ["<unk>", "<s>", "</s>", "a", "b"])
  }

  @Test func initValidatesItsParts() {
    #expect(
      inputError { _ = try Vocabulary(words: ["a", "<s>", "</s>"], counts: [0, 0, 0], unknownTypeCount: nil) } != nil)
    #expect(
      inputError {
        _ = try Vocabulary(words: ["<unk>", "<s>", "</s>", "a", "a"], counts: [0, 0, 0, 1, 1], unknownTypeCount: nil)
      }?
      .message == "duplicate word 'a' at ids 3 and 4")
    #expect(
      inputError { _ = try Vocabulary(words: ["<unk>", "<s>", "</s>"], counts: [0, 0], unknownTypeCount: nil) } != nil)
    #expect(
      inputError {
        _ = try Vocabulary(words: ["<unk>", "<s>", "</s>", "a b"], counts: [0, 0, 0, 0], unknownTypeCount: nil)
      } != nil)
    #expect(
      inputError {
        _ = try Vocabulary(words: ["<unk>", "<s>", "</s>", "a"], counts: [0, 0, 0, -1], unknownTypeCount: nil)
      } != nil)
  }
}
