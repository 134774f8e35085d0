import FileIO
import Foundation
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct KaldiNBestArchiveReaderTests {
  /// Two utterances, the first with an id containing '-', CRLF line ends, an empty hypothesis,
  /// a duplicate word sequence and an infinite cost.
  static let archive: [String: String] = [
    "words_text": "a-b-1 hello world\r\na-b-2\r\na-b-3 hello world\r\nc-1 yes\r\n",
    "acwt": "a-b-1 100.5\r\na-b-2 90\r\na-b-3 101\r\nc-1 inf\r\n",
    "lmwt.nolm": "a-b-1 1\na-b-2 0.5\na-b-3 1\nc-1 0.25\n",
    "lmwt.lmonly": "a-b-1 10\na-b-2 20\na-b-3 10.5\nc-1 3\n",
  ]

  @Test func readsUtterancesInOrder() throws {
    let reader = try KaldiNBestArchiveReader(directory: try TestSupport.directory(with: Self.archive))
    #expect(reader.ngramSource == .lmonly)
    let first = try #require(try reader.nextList())
    #expect(first.utteranceID == "a-b")
    #expect(first.hypotheses.map(\.rank) == [1, 2, 3])
    #expect(first.hypotheses.map(\.words) == [["hello", "world"], [], ["hello", "world"]])
    #expect(first.hypotheses.map(\.acousticCost) == [100.5, 90, 101])
    #expect(first.hypotheses.map(\.graphCost) == [1, 0.5, 1])
    #expect(first.hypotheses.map(\.ngramCost) == [10, 20, 10.5])
    #expect(first.key(of: 1) == "a-b-2")
    let second = try #require(try reader.nextList())
    #expect(second.utteranceID == "c")
    #expect(second.hypotheses[0].acousticCost == .infinity)
    #expect(try reader.nextList() == nil)
  }

  @Test func usesWithlmMinusNolmWhenLmonlyIsAbsent() throws {
    var files = Self.archive
    files["lmwt.lmonly"] = nil
    files["lmwt.withlm"] = "a-b-1 11\na-b-2 20.5\na-b-3 11.5\nc-1 3.25\n"
    let lists = try KaldiNBestArchiveReader(directory: try TestSupport.directory(with: files)).readAll()
    #expect(lists.flatMap { $0.hypotheses.map(\.ngramCost) } == [10, 20, 10.5, 3])
  }

  @Test func withoutOldLMCostsTheNgramCostIsNil() throws {
    var files = Self.archive
    files["lmwt.lmonly"] = nil
    let reader = try KaldiNBestArchiveReader(directory: try TestSupport.directory(with: files))
    #expect(reader.ngramSource == .none)
    #expect(try reader.readAll().allSatisfy { $0.hypotheses.allSatisfy { $0.ngramCost == nil } })
  }

  @Test func readsGzipCompressedFiles() throws {
    let directory = try TestSupport.directory(with: Self.archive)
    let status = try TestSupport.run(["gzip", directory + "/acwt"]).status
    try #require(status == 0)
    let lists = try KaldiNBestArchiveReader(directory: directory).readAll()
    #expect(lists.map(\.hypotheses.count) == [3, 1])
  }

  /// Reads the whole archive and returns the error description.
  func failure(_ change: (inout [String: String]) -> Void) throws -> String {
    var files = Self.archive
    change(&files)
    let directory = try TestSupport.directory(with: files)
    do {
      _ = try KaldiNBestArchiveReader(directory: directory).readAll()
    } catch let error as InputError {
      return error.description.replacingOccurrences(of: directory + "/", with: "")
    }
    Issue.record("no error")
    return ""
  }

  @Test func keyMissingFromACostFileNamesFileAndLine() throws {
    let message = try failure { $0["acwt"] = "a-b-1 100.5\na-b-3 101\nc-1 5\n" }
    #expect(message.hasPrefix("acwt:2: key 'a-b-3' where words_text:2 has 'a-b-2'"))
  }

  @Test func costFileEndingEarlyIsAnError() throws {
    let message = try failure { $0["lmwt.nolm"] = "a-b-1 1\na-b-2 0.5\na-b-3 1\n" }
    #expect(message == "lmwt.nolm: key 'c-1' (words_text:4) is missing: file ends")
  }

  @Test func extraKeyInACostFileIsAnError() throws {
    let message = try failure { $0["lmwt.lmonly"]! += "d-1 4\n" }
    #expect(message.hasPrefix("lmwt.lmonly:5: key 'd-1' is not in"))
  }

  @Test func nanCostIsAnError() throws {
    let message = try failure { $0["lmwt.lmonly"] = "a-b-1 10\na-b-2 nan\na-b-3 10.5\nc-1 3\n" }
    #expect(message == "lmwt.lmonly:2: LM cost is NaN")
  }

  @Test func minusInfinityCostIsAnError() throws {
    let message = try failure { $0["acwt"] = "a-b-1 -inf\na-b-2 90\na-b-3 101\nc-1 inf\n" }
    #expect(message == "acwt:1: acoustic cost is an infinite probability (cost -inf)")
  }

  @Test func nonContiguousUtteranceIsAnError() throws {
    let message = try failure { files in
      files = [
        "words_text": "u-1 a\nv-1 b\nu-2 c\n", "acwt": "u-1 1\nv-1 1\nu-2 1\n",
        "lmwt.nolm": "u-1 0\nv-1 0\nu-2 0\n",
      ]
    }
    #expect(message.hasPrefix("words_text:3: utterance 'u' appears again"))
  }

  @Test func duplicateKeyIsAnError() throws {
    let message = try failure { files in
      files = ["words_text": "u-1 a\nu-1 b\n", "acwt": "u-1 1\nu-1 1\n", "lmwt.nolm": "u-1 0\nu-1 0\n"]
    }
    #expect(message == "words_text:2: duplicate key 'u-1'")
  }

  @Test func malformedKeyIsAnError() throws {
    let message = try failure { $0["words_text"] = "a-b-1 hello world\nnorank x\n" }
    #expect(message == "words_text:2: key 'norank' is not <utt-id>-<rank>")
  }

  @Test func missingRequiredFileIsAnError() throws {
    let message = try failure { $0["lmwt.nolm"] = nil }
    #expect(message.hasSuffix(": N-best archive directory has no lmwt.nolm"))
  }
}
