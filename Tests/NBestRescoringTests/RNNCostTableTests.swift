import FileIO
import Foundation
import NBestRescoring
import NCECore
import Testing

@Suite struct RNNCostTableTests {
  static func list(_ utterance: String, ranks: [Int]) -> NBestList {
    NBestList(
      utteranceID: utterance, hypotheses: ranks.map { NBestHypothesis(rank: $0, words: ["a"], acousticCost: 0) })
  }

  @Test func appliesCostsByKeyInAnyOrderWithinTheUtterance() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-2 4.5\nu1-1 3.25\nu-2-1 7\n"])
    let table = try RNNCostTable(paths: RNNCostTable.files(in: directory))
    var first = Self.list("u1", ranks: [1, 2])
    try table.apply(to: &first)
    #expect(first.hypotheses.map(\.rnnCost) == [3.25, 4.5])
    var second = Self.list("u-2", ranks: [1])
    try table.apply(to: &second)
    #expect(second.hypotheses.map(\.rnnCost) == [7])
    try table.finish()
  }

  /// The tables of `--shard` jobs, as parts: utterance i in part i mod 3 + 1.
  @Test func partsOfShardJobsAreMergedInListOrder() throws {
    let directory = try TestSupport.directory(with: [
      "lmwt.rnn.1": "u0-1 0\nu3-1 3\n", "lmwt.rnn.2": "u1-1 1\nu4-1 4\n", "lmwt.rnn.10": "u2-1 2\n",
      "lmwt.rnnx": "ignored", "other": "",
    ])
    let files = try RNNCostTable.files(in: directory)
    #expect(files.map { ($0 as NSString).lastPathComponent } == ["lmwt.rnn.1", "lmwt.rnn.2", "lmwt.rnn.10"])
    let table = try RNNCostTable(paths: files)
    for index in 0..<5 {
      var list = Self.list("u\(index)", ranks: [1])
      try table.apply(to: &list)
      #expect(list.hypotheses[0].rnnCost == Double(index))
    }
    try table.finish()
  }

  @Test func aWholeTableIsPreferredToParts() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-1 1\n", "lmwt.rnn.1": "u1-1 2\n"])
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: directory + "/lmwt.rnn.1")
    #expect(try RNNCostTable.files(in: directory) == [directory + "/lmwt.rnn"])
    let empty = try TestSupport.directory(with: ["text": ""])
    let error = #expect(throws: InputError.self) { try RNNCostTable.files(in: empty) }
    #expect(error?.file == empty)
  }

  @Test func concatenatedShardTablesAreRefusedWithAHint() throws {
    // cat of two jobs' tables: u0 u2 | u1 u3, not the order of the lists.
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u0-1 0\nu2-1 2\nu1-1 1\nu3-1 3\n"])
    let table = try RNNCostTable(paths: RNNCostTable.files(in: directory))
    var first = Self.list("u0", ranks: [1])
    try table.apply(to: &first)
    var second = Self.list("u1", ranks: [1])
    let error = #expect(throws: InputError.self) { try table.apply(to: &second) }
    #expect(error?.file == directory + "/lmwt.rnn")
    #expect(error?.message.contains("'u1'") == true)
    #expect(error?.message.contains("'u2' (\(directory)/lmwt.rnn:2)") == true)
    #expect(error?.message.contains("lmwt.rnn.1") == true)
  }

  @Test func missingAndExtraHypothesesAndLeftoverLinesAreErrors() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-1 3.25\nu2-1 1\nu2-3 1\nu3-1 0\n"])
    let table = try RNNCostTable(paths: RNNCostTable.files(in: directory))
    var missing = Self.list("u1", ranks: [1, 2])
    let error = #expect(throws: InputError.self) { try table.apply(to: &missing) }
    #expect(error?.file == directory + "/lmwt.rnn")
    #expect(error?.message.contains("u1-2") == true)
    var extra = Self.list("u2", ranks: [1])
    let extraError = #expect(throws: InputError.self) { try table.apply(to: &extra) }
    #expect(extraError?.message == "hypothesis 'u2-3' is not in the N-best list")
    let leftover = #expect(throws: InputError.self) { try table.finish() }
    #expect(leftover?.line == 4)
  }

  @Test func duplicateAndMalformedKeysAreErrorsWithTheLine() throws {
    let directory = try TestSupport.directory(with: ["dup": "u1-1 3\nu1-1 4\n", "bad": "u1-1 3\nu1 4\n"])
    let table = try RNNCostTable(paths: [directory + "/dup"])
    var list = Self.list("u1", ranks: [1])
    let error = #expect(throws: InputError.self) { try table.apply(to: &list) }
    #expect(error?.line == 2)
    #expect(error?.message == "duplicate key 'u1-1'")
    let bad = try RNNCostTable(paths: [directory + "/bad"])
    let badError = #expect(throws: InputError.self) { try bad.apply(to: &list) }
    #expect(badError?.line == 2)
  }
}
