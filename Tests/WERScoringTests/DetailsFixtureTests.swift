import FileIO
import Foundation
import Testing

@testable import WERScoring

/// `--details` output against Kaldi's own scripts (`wer_per_utt_details.pl`,
/// `wer_per_spk_details.pl`, `wer_ops_details.pl | sort` as in `score_kaldi.sh`, on
/// `align-text`'s alignments): the committed outputs of
/// `tools/wer-reference/make-details-fixtures.py` for the 1,351 pairs of `pairs.txt` and six
/// pairs in Chinese, French, Russian, Arabic and German.
struct DetailsFixtureTests {
  static func fixturePath(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)).path
  }

  static func fixtureText(_ name: String) throws -> String {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath(name))))
    let decoded = name.hasSuffix(".zst") ? try ZstdCodec.decompress(bytes) : bytes
    return String(decoding: decoded, as: UTF8.self)
  }

  /// The scored utterances of every fixture pair, in file order.
  static func utterances() throws -> [ScoredUtterance] {
    var references: [(key: String, words: [String])] = []
    var hypotheses: [(key: String, words: [String])] = []
    for name in ["pairs.txt", "details/unicode-pairs.txt"] {
      for line in try fixtureText(name).split(separator: "\n") {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        references.append((fields[0], WhitespaceTokenizer.tokens(of: fields[1]).map(String.init)))
        hypotheses.append((fields[0], WhitespaceTokenizer.tokens(of: fields[2]).map(String.init)))
      }
    }
    return try CorpusScorer().score(
      references: references, hypotheses: hypotheses, hypothesisSource: "pairs"
    ).utterances
  }

  @Test(arguments: [("eps", "<eps>"), ("star", "***")])
  func perUtteranceOpsAndSpeakersEqualKaldiScripts(name: String, epsilon: String) throws {
    let utterances = try Self.utterances()
    #expect(utterances.count == 1_357)
    let writer = DetailsWriter(
      rule: .kaldi, epsilon: epsilon,
      utteranceToSpeaker: try DetailsWriter.readUtteranceToSpeaker(
        path: Self.fixturePath("details/utt2spk")))
    let texts = try writer.texts(for: utterances)
    let expected = [
      try Self.fixtureText("details/per_utt.\(name).zst"),
      try Self.fixtureText("details/ops.\(name).zst"), try Self.fixtureText("details/per_spk"),
    ]
    let ours = [texts.perUtterance, texts.ops, texts.perSpeaker]
    for (file, (text, reference)) in zip(["per_utt", "ops", "per_spk"], zip(ours, expected)) {
      #expect(text == reference, "\(file): \(Self.firstDifference(text, reference))")
    }
  }

  /// The first line where two texts differ, for a readable failure.
  static func firstDifference(_ a: String, _ b: String) -> String {
    let (x, y) = (a.split(separator: "\n"), b.split(separator: "\n"))
    for index in 0..<max(x.count, y.count) {
      let left = index < x.count ? String(x[index]) : "(end)"
      let right = index < y.count ? String(y[index]) : "(end)"
      if left != right { return "line \(index + 1): '\(left)' != Kaldi's '\(right)'" }
    }
    return "same lines"
  }

  /// `sort -i` in the C locale skips non-ASCII bytes: `éa` sorts as `a`, before `ab`, and
  /// words that differ only in such bytes fall back to the whole line.
  @Test func opsOrderIgnoresNonASCIIBytesAsCLocaleSortDoes() {
    var ops = OperationCounts()
    ops.add([
      AlignedPair(reference: "ab", hypothesis: "ab"),
      AlignedPair(reference: "éa", hypothesis: "éa"),
      AlignedPair(reference: "世界", hypothesis: "世界"),
    ])
    #expect(
      ops.text() == """
        correct       世界    世界    1
        correct       éa    éa    1
        correct       ab    ab    1

        """)
  }
}
