import FileIO
import Foundation
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct SRILMNBestReaderTests {
  static let ln10 = log(10.0)

  @Test func directoryOfScoreFilesInIdOrderWithLog10Conversion() throws {
    let directory = try TestSupport.directory(with: [
      "utt-b.score": "-100.5 -10 2 hello world\r\n-101 -9 1 hello\r\n",
      "utt-a.score": "-50 -5 0\n",
      "notes.txt": "ignored: not a .score file\n",
    ])
    try #require(try TestSupport.run(["gzip", directory + "/utt-b.score"]).status == 0)
    let lists = try SRILMNBestReader(.directory(directory)).readAll()
    #expect(lists.map(\.utteranceID) == ["utt-a", "utt-b"])
    #expect(lists[0].hypotheses[0].words.isEmpty)
    let b = lists[1].hypotheses
    #expect(b.map(\.rank) == [1, 2])
    #expect(b.map(\.words) == [["hello", "world"], ["hello"]])
    #expect(abs(b[0].acousticCost - 100.5 * Self.ln10) < 1e-9)
    #expect(abs(b[1].ngramCost! - 9 * Self.ln10) < 1e-9)
    #expect(b[0].graphCost == 0)
  }

  @Test func singleFileWithIdColumnAndSentenceMarkers() throws {
    let directory = try TestSupport.directory(with: [
      "all.nbest": "u1 -1 -2 1 <s> yes </s>\nu1 -1.5 -1 1 no\nu2 -3 -4 2 a b\n"
    ])
    let lists = try SRILMNBestReader(.file(directory + "/all.nbest")).readAll()
    #expect(lists.map(\.utteranceID) == ["u1", "u2"])
    #expect(lists[0].hypotheses.map(\.words) == [["yes"], ["no"]])
    #expect(lists[0].hypotheses.map(\.rank) == [1, 2])
  }

  @Test(arguments: [
    ("u1 -1 -2 2 yes\n", "all.nbest:1: nwords '2' does not match the 1 words on the line"),
    ("u1 -1 nan 1 yes\n", "all.nbest:1: LM score is NaN"),
    ("u1 -1 -2\n", "all.nbest:1: expected 'ascore lscore nwords words...', found 2 fields"),
    (
      "u1 -1 -2 1 a\nu2 -1 -2 1 b\nu1 -1 -2 1 c\n",
      "all.nbest:3: utterance 'u1' appears again after other utterances (hypotheses of an utterance must be contiguous)"
    ),
  ])
  func malformedLinesNameFileAndLine(content: String, message: String) throws {
    let directory = try TestSupport.directory(with: ["all.nbest": content])
    #expect(throws: InputError.self) { _ = try SRILMNBestReader(.file(directory + "/all.nbest")).readAll() }
    do {
      _ = try SRILMNBestReader(.file(directory + "/all.nbest")).readAll()
    } catch let error as InputError {
      #expect(error.description == directory + "/" + message)
    }
  }

  @Test func plusInfinityCostFromMinusInfinityScoreIsAccepted() throws {
    let directory = try TestSupport.directory(with: ["x.score": "-inf -2 1 yes\n"])
    let lists = try SRILMNBestReader(.directory(directory)).readAll()
    #expect(lists[0].hypotheses[0].acousticCost == .infinity)
  }
}
