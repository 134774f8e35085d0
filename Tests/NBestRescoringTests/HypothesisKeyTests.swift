import Testing

@testable import NBestRescoring

@Suite struct HypothesisKeyTests {
  @Test func splitsAtTheLastDash() throws {
    let key = try #require(HypothesisKey(parsing: "spk-01-utt-7-12"))
    #expect(key.utteranceID == "spk-01-utt-7")
    #expect(key.rank == 12)
    #expect(key.description == "spk-01-utt-7-12")
    #expect(HypothesisKey(parsing: "utt--1") == HypothesisKey(utteranceID: "utt-", rank: 1))
  }

  @Test(arguments: ["utt", "utt-", "-3", "utt-0", "utt-x", "utt-+1", "utt-1.5"])
  func rejectsMalformedKeys(_ text: String) {
    #expect(HypothesisKey(parsing: text) == nil)
  }
}
