import FileIO
import Testing

@testable import WERScoring

struct CorpusScorerTests {
  let references: [(key: String, words: [String])] = [
    ("u1", ["a", "b", "c"]), ("u2", ["d", "e"]), ("u3", ["f"]),
  ]
  let hypotheses: [(key: String, words: [String])] = [
    ("u1", ["a", "x", "c"]), ("u3", ["f"]), ("extra", ["z"]),
  ]

  @Test func strictModeRejectsMissingHypothesis() {
    #expect(throws: InputError.self) {
      try CorpusScorer(mode: .strict).score(
        references: references, hypotheses: hypotheses, hypothesisSource: "hyp")
    }
  }

  @Test func presentModeSkipsAndAllModeScoresAsEmpty() throws {
    let present = try CorpusScorer(mode: .present).score(
      references: references, hypotheses: hypotheses, hypothesisSource: "h")
    #expect(
      present.summary.kaldiReport().hasPrefix(
        "%WER 25.00 [ 1 / 4, 0 ins, 0 del, 1 sub ] [PARTIAL]\n%SER 50.00 [ 1 / 2 ]"))
    let all = try CorpusScorer(mode: .all).score(
      references: references, hypotheses: hypotheses, hypothesisSource: "h")
    #expect(
      all.summary.kaldiReport()
        == "%WER 50.00 [ 3 / 6, 0 ins, 2 del, 1 sub ] [PARTIAL]\n%SER 66.67 [ 2 / 3 ]\nScored 3 sentences, 1 not present in hyp.\n"
    )
    #expect(all.utterances.map(\.key) == ["u1", "u2", "u3"])
  }

  @Test func normalizationAppliesToBothSides() throws {
    let normalizer = TextNormalizer(
      foldCase: true, mapping: ["Colour": "color"], ignoredWords: ["<UNK>", "uh"])
    #expect(
      normalizer.normalize(["The", "COLOUR", "uh", "<unk>", "Été"]) == ["the", "color", "été"])
    let scorer = CorpusScorer(normalizer: normalizer)
    let result = try scorer.score(
      references: [("u", ["the", "colour", "<unk>"])], hypotheses: [("u", ["The", "uh", "Color"])],
      hypothesisSource: "h")
    #expect(result.summary.counts == EditCounts(referenceWords: 2))
    #expect(result.summary.sentenceErrors == 0)
  }

  @Test func ignoredWordsFromListOrFile() throws {
    #expect(
      try TextNormalizer.readIgnoredWords("<unk>,[noise],uh", fileExists: { _ in false }) == [
        "<unk>", "[noise]", "uh",
      ])
  }
}
