import Foundation
import Testing

@testable import WERScoring

/// Agreement with the committed reference outputs of `tools/wer-reference/make-fixtures.py`:
/// kaldialign (Kaldi's compute-wer code) and NIST sclite (counts and alignment paths) on 1,351
/// pairs (SPEC section 4's example, 1,200 random tie-heavy pairs, the 150 rank-1 hypotheses of
/// nbest-dev).
struct ReferenceFixtureTests {
  struct Pair {
    var key: String
    var reference: [String]
    var hypothesis: [String]
  }

  static func fixtureLines(_ name: String) throws -> [Substring] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
  }

  static func pairs() throws -> [Pair] {
    try fixtureLines("pairs.txt").map { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      return Pair(
        key: String(fields[0]), reference: fields[1].split(separator: " ").map(String.init),
        hypothesis: fields[2].split(separator: " ").map(String.init))
    }
  }

  /// key -> integers after the key.
  static func counts(_ name: String) throws -> [String: [Int]] {
    var table: [String: [Int]] = [:]
    for line in try fixtureLines(name) {
      let fields = line.split(separator: " ")
      table[String(fields[0])] = fields.dropFirst().map { Int($0)! }
    }
    return table
  }

  @Test func kaldiCountsEqualKaldialignOnEveryPair() throws {
    let pairs = try Self.pairs()
    let expected = try Self.counts("kaldi-counts.txt")
    #expect(pairs.count >= 1_350)
    var mismatches: [String] = []
    for pair in pairs {
      let counts = WordAligner.counts(
        reference: pair.reference, hypothesis: pair.hypothesis, rule: .kaldi)
      let e = try #require(expected[pair.key])
      let reference = EditCounts(
        insertions: e[0], deletions: e[1], substitutions: e[2], referenceWords: e[3])
      if counts != reference { mismatches.append("\(pair.key): \(counts) != \(reference)") }
      let alignment = WordAligner.align(
        reference: pair.reference, hypothesis: pair.hypothesis, rule: .kaldi)
      if alignment.editCounts.errors != reference.errors {
        mismatches.append("\(pair.key): align-text total")
      }
    }
    let firstMismatches = mismatches.prefix(3).joined(separator: "; ")
    #expect(mismatches.count == 0, "\(firstMismatches)")
  }

  @Test func scliteCountsAndAlignmentsEqualScliteOnEveryPair() throws {
    let pairs = try Self.pairs()
    let expected = try Self.counts("sclite-counts.txt")
    var expectedAlignments: [String: String] = [:]
    for line in try Self.fixtureLines("sclite-alignments.txt") {
      let fields = line.split(separator: " ")
      expectedAlignments[String(fields[0])] = fields.count > 1 ? String(fields[1]) : ""
    }
    var mismatches: [String] = []
    var totalsDifferingFromKaldi = 0
    for pair in pairs {
      let e = try #require(expected[pair.key])  // C S D I
      let reference = EditCounts(
        insertions: e[3], deletions: e[2], substitutions: e[1], referenceWords: e[0] + e[1] + e[2])
      let counts = WordAligner.counts(
        reference: pair.reference, hypothesis: pair.hypothesis, rule: .sclite)
      let alignment = WordAligner.align(
        reference: pair.reference, hypothesis: pair.hypothesis, rule: .sclite)
      if counts != reference || alignment.editCounts != reference {
        mismatches.append("\(pair.key): \(counts) / \(alignment.editCounts) != \(reference)")
      }
      let letters = alignment.map(\.operation.rawValue).joined()
      if letters != expectedAlignments[pair.key] {
        mismatches.append("\(pair.key): path \(letters) != sclite's \(expectedAlignments[pair.key] ?? "none")")
      }
      let kaldi = WordAligner.counts(
        reference: pair.reference, hypothesis: pair.hypothesis, rule: .kaldi)
      if kaldi.errors != counts.errors { totalsDifferingFromKaldi += 1 }
    }
    let firstMismatches = mismatches.prefix(3).joined(separator: "; ")
    #expect(mismatches.count == 0, "\(firstMismatches)")
    // The set really contains pairs on which the two scorers disagree on the total.
    #expect(totalsDifferingFromKaldi >= 3)
  }

  @Test func nbestDevRankOneTotalsMatchKaldiAndSclite() throws {
    let pairs = try Self.pairs().filter { $0.key.hasPrefix("nbestdev-") }
    #expect(pairs.count == 150)
    var kaldi = WERSummary()
    var sclite = WERSummary()
    var scratch = EditDistanceScratch()
    var interner = WordInterner()
    for pair in pairs {
      let ref = interner.ids(pair.reference)
      let hyp = interner.ids(pair.hypothesis)
      kaldi.add(scratch.counts(reference: ref, hypothesis: hyp, rule: .kaldi))
      sclite.add(scratch.counts(reference: ref, hypothesis: hyp, rule: .sclite))
    }
    #expect(
      kaldi.kaldiReport() == """
        %WER 37.33 [ 807 / 2162, 186 ins, 54 del, 567 sub ]
        %SER 84.00 [ 126 / 150 ]
        Scored 150 sentences, 0 not present in hyp.

        """)
    // scoring/summary.txt: sclite sub 555 del 60 ins 192 / 2162 words.
    #expect(
      sclite.counts
        == EditCounts(insertions: 192, deletions: 60, substitutions: 555, referenceWords: 2162))
  }
}
