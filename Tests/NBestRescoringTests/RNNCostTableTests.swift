import NBestRescoring
import NCECore
import Testing

@Suite struct RNNCostTableTests {
  @Test func appliesCostsByKey() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-2 4.5\nu1-1 3.25\n"])
    let table = try RNNCostTable(path: directory + "/lmwt.rnn")
    var list = NBestList(
      utteranceID: "u1",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["a"], acousticCost: 0), NBestHypothesis(rank: 2, words: [], acousticCost: 0),
      ])
    try table.apply(to: &list)
    #expect(list.hypotheses.map(\.rnnCost) == [3.25, 4.5])
  }

  @Test func missingKeyNamesTheFile() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-1 3.25\n"])
    let table = try RNNCostTable(path: directory + "/lmwt.rnn")
    var list = NBestList(
      utteranceID: "u1",
      hypotheses: [
        NBestHypothesis(rank: 1, words: [], acousticCost: 0), NBestHypothesis(rank: 2, words: [], acousticCost: 0),
      ])
    let error = #expect(throws: InputError.self) { try table.apply(to: &list) }
    #expect(error?.file == directory + "/lmwt.rnn")
    #expect(error?.message.contains("u1-2") == true)
  }

  @Test func duplicateKeyIsAnError() throws {
    let directory = try TestSupport.directory(with: ["lmwt.rnn": "u1-1 3\nu1-1 4\n"])
    let error = #expect(throws: InputError.self) { try RNNCostTable(path: directory + "/lmwt.rnn") }
    #expect(error?.line == 2)
  }
}
