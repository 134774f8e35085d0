import FileIO
import Foundation
import NCECore
import Testing

@testable import NCEModel

/// A fresh directory under the system temp dir, unique per call (tests run in parallel).
func makeTemporaryDirectory() throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("ncemodel-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Writes `bytes` to a new file in a fresh temporary directory and returns its path.
func makeTemporaryFile(_ name: String, bytes: [UInt8]) throws -> String {
  let path = try makeTemporaryDirectory() + "/" + name
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  return path
}

func makeTemporaryFile(_ name: String, text: String) throws -> String {
  try makeTemporaryFile(name, bytes: Array(text.utf8))
}

/// The InputError thrown by `body`, or nil (a test then fails on the nil).
func inputError(_ body: () throws -> Void) -> InputError? {
  do {
    try body()
    return nil
  } catch let error as InputError {
    return error
  } catch {
    return nil
  }
}

let ptbTrain = "../shared/data/ptb/train.txt"

@Suite struct CorpusTests {
  let vocabulary = try! Vocabulary(
    words: ["<unk>", "<s>", "</s>", "the", "cat", "sat"], counts: [0, 0, 0, 0, 0, 0], unknownTypeCount: nil)

  @Test func readsIdsSkipsEmptyLinesAndCountsOOV() throws {
    let path = try makeTemporaryFile("text.txt", text: "the cat sat\n\n  \t\nthe dog  sat\r\n<unk> cat")
    let corpus = try Corpus(path: path, vocabulary: vocabulary)
    #expect(corpus.sentenceCount == 3)
    #expect(corpus.tokenCount == 8)
    #expect(corpus.predictionCount == 11)
    #expect(corpus.oovCount == 2)
    #expect(corpus.emptyLineCount == 2)
    #expect(Array(corpus.sentence(0)) == [3, 4, 5])
    #expect(Array(corpus.sentence(1)) == [3, 0, 5])
    #expect(Array(corpus.sentence(2)) == [0, 4])
  }

  /// Pieces of at least 4 words, cut at sentence ends, that add up to the whole corpus.
  @Test func chunksCutAtSentenceEndsAndAddUpToTheWholeText() throws {
    let text = "the cat sat\n\nthe dog\nsat\ncat cat cat cat cat\n\nthe\nzebra ran\n\n\n"
    let path = try makeTemporaryFile("text.txt", text: text)
    let whole = try Corpus(path: path, vocabulary: vocabulary)
    var pieces: [Corpus] = []
    try Corpus.forEachChunk(path: path, vocabulary: vocabulary, maxTokens: 4) { pieces.append($0) }
    #expect(pieces.map(\.sentenceCount) == [2, 2, 2])
    #expect(pieces.map(\.tokenCount) == [5, 6, 3])
    #expect(pieces.dropLast().allSatisfy { $0.tokenCount >= 4 })
    #expect(pieces.flatMap(\.tokens) == whole.tokens)
    #expect(pieces.map(\.oovCount) == [1, 0, 2])
    #expect(pieces.map(\.emptyLineCount).reduce(0, +) == whole.emptyLineCount)
    #expect(pieces.last?.emptyLineCount == 2)
    var one: [Corpus] = []
    try Corpus.forEachChunk(path: path, vocabulary: vocabulary) { one.append($0) }
    #expect(one.count == 1)
    #expect(one.first?.tokens == whole.tokens && one.first?.sentenceStarts == whole.sentenceStarts)
  }

  @Test func inMemoryCorpusSkipsEmptySentences() {
    let corpus = Corpus(sentences: [[3, 4], [], [0]])
    #expect(corpus.sentenceCount == 2)
    #expect(corpus.tokenCount == 3)
    #expect(corpus.oovCount == 1)
    #expect(corpus.emptyLineCount == 1)
    #expect(Array(corpus.sentence(1)) == [0])
  }

  @Test func missingFileIsNamed() {
    let error = inputError { _ = try Corpus(path: "/nonexistent/x.txt", vocabulary: vocabulary) }
    #expect(error?.description == "/nonexistent/x.txt: no such file")
  }

  @Test func emptyCorpusIsRefused() throws {
    let path = try makeTemporaryFile("empty.txt", text: "\n \n")
    let error = inputError { _ = try Corpus(path: path, vocabulary: vocabulary) }
    #expect(error?.description == "\(path): no sentences")
  }

  @Test func invalidUTF8GivesFileAndLine() throws {
    let path = try makeTemporaryFile("bad.txt", bytes: Array("the cat\nsat ".utf8) + [0xFF, 0xFE] + [0x0A])
    let error = inputError { _ = try Corpus(path: path, vocabulary: vocabulary) }
    #expect(error?.file == path)
    #expect(error?.line == 2)
    #expect(error?.message.contains("UTF-8") == true)
  }

  @Test(arguments: ["<s> the cat", "the cat </s>"])
  func explicitSentenceBoundariesAreRefused(line: String) throws {
    let path = try makeTemporaryFile("bounds.txt", text: "the\n" + line + "\n")
    let error = inputError { _ = try Corpus(path: path, vocabulary: vocabulary) }
    #expect(error?.file == path)
    #expect(error?.line == 2)
    #expect(error?.message.contains("reserved word") == true)
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: ptbTrain), "needs ../shared/data"))
  func ptbTrainingCorpus() throws {
    let vocabulary = try Vocabulary.build(trainingText: ptbTrain, minFreq: 1)
    let corpus = try Corpus(path: ptbTrain, vocabulary: vocabulary)
    #expect(vocabulary.count == 10_001)  // 9,999 PTB text types (<unk> included; its 10k counts <eos>) + <s> + </s>
    #expect(vocabulary.unknownTypeCount == nil)  // PTB already contains <unk>
    #expect(corpus.sentenceCount == 42_068)
    #expect(corpus.tokenCount == 887_521)
    #expect(corpus.oovCount == vocabulary.counts[0])
    #expect(vocabulary.counts.reduce(0, +) == corpus.predictionCount)
  }
}
