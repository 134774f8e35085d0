import Foundation
import Testing

@testable import WERScoring

/// `AlignmentWorkspace` must take exactly the path of the full-table backtrace
/// (`FullTableOracle`), ties included, for both rules: checked on seeded random pairs over
/// tiny vocabularies (many ties), skewed lengths, the fixture pairs, and larger pairs split
/// many times with narrow starting bands; memory is checked on a 100,000-word pair.
struct LinearSpaceAlignmentTests {
  /// SplitMix64: a small seeded generator, so that every run sees the same pairs.
  struct Generator {
    var state: UInt64
    mutating func next(below bound: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
  }

  /// Workspaces from "always split, band of 1 to start" to the default.
  static func workspaces() -> [AlignmentWorkspace] {
    [
      AlignmentWorkspace(fullTableCells: 4, initialBand: 1), AlignmentWorkspace(fullTableCells: 12, initialBand: 2),
      AlignmentWorkspace(fullTableCells: 64, initialBand: 1), AlignmentWorkspace(fullTableCells: 40, initialBand: 8),
      AlignmentWorkspace(),
    ]
  }

  /// A hypothesis made from `reference` by random substitutions, insertions and deletions.
  static func edited(_ reference: [Int32], vocabulary: Int, errorPercent: Int, _ generator: inout Generator)
    -> [Int32]
  {
    var hypothesis: [Int32] = []
    for word in reference {
      guard generator.next(below: 100) < errorPercent else {
        hypothesis.append(word)
        continue
      }
      switch generator.next(below: 3) {
      case 0: hypothesis.append(Int32(generator.next(below: vocabulary)))
      case 1: hypothesis += [word, Int32(generator.next(below: vocabulary))]
      default: break
      }
    }
    return hypothesis
  }

  static func expectSamePath(
    _ reference: [Int32], _ hypothesis: [Int32], rule: AlignmentRule, workspaces: [AlignmentWorkspace],
    _ label: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
  ) -> Bool {
    let expected = FullTableOracle.path(reference: reference, hypothesis: hypothesis, rule: rule)
    for workspace in workspaces {
      let path = workspace.path(reference: reference, hypothesis: hypothesis, rule: rule)
      if path != expected {
        Issue.record(
          "\(label()) \(rule) cells \(workspace.fullTableCells) band \(workspace.initialBand): ref \(reference) hyp \(hypothesis): \(path.map(\.rawValue).joined()) != \(expected.map(\.rawValue).joined())",
          sourceLocation: sourceLocation)
        return false
      }
    }
    return true
  }

  /// 3,000 pairs per rule: vocabularies of 1 to 4 words, lengths 0 to 30, independent or
  /// edited hypotheses.
  @Test(arguments: AlignmentRule.allCases)
  func equalsTheFullTableOnRandomTieHeavyPairs(rule: AlignmentRule) {
    var generator = Generator(state: rule == .kaldi ? 12 : 34)
    let workspaces = Self.workspaces()
    for index in 0..<3_000 {
      let vocabulary = 1 + generator.next(below: 4)
      let reference = (0..<generator.next(below: 31)).map { _ in Int32(generator.next(below: vocabulary)) }
      let hypothesis =
        index % 2 == 0
        ? (0..<generator.next(below: 31)).map { _ in Int32(generator.next(below: vocabulary)) }
        : Self.edited(reference, vocabulary: vocabulary, errorPercent: 30, &generator)
      if !Self.expectSamePath(reference, hypothesis, rule: rule, workspaces: workspaces, "pair \(index)") { return }
    }
  }

  /// Very different lengths: the path runs along an edge of the table for a long way.
  @Test(arguments: AlignmentRule.allCases)
  func equalsTheFullTableOnSkewedLengths(rule: AlignmentRule) {
    var generator = Generator(state: 56)
    let workspaces = Self.workspaces()
    for index in 0..<400 {
      let short = (0..<generator.next(below: 6)).map { _ in Int32(generator.next(below: 2)) }
      let long = (0..<(20 + generator.next(below: 60))).map { _ in Int32(generator.next(below: 3)) }
      let (reference, hypothesis) = index % 2 == 0 ? (short, long) : (long, short)
      if !Self.expectSamePath(reference, hypothesis, rule: rule, workspaces: workspaces, "pair \(index)") { return }
    }
  }

  /// Pairs of 200 to 700 words split at many levels, from a band of 1 that must double.
  @Test(arguments: AlignmentRule.allCases)
  func equalsTheFullTableOnLongPairsSplitManyTimes(rule: AlignmentRule) {
    var generator = Generator(state: 78)
    let workspaces = [
      AlignmentWorkspace(fullTableCells: 256, initialBand: 1),
      AlignmentWorkspace(fullTableCells: 4_096, initialBand: 4),
    ]
    for index in 0..<24 {
      let vocabulary = [2, 5, 50][index % 3]
      let reference = (0..<(200 + generator.next(below: 500))).map { _ in Int32(generator.next(below: vocabulary)) }
      let hypothesis = Self.edited(
        reference, vocabulary: vocabulary, errorPercent: [3, 15, 40][index % 3 == 0 ? 1 : index % 3], &generator)
      if !Self.expectSamePath(reference, hypothesis, rule: rule, workspaces: workspaces, "pair \(index)") { return }
    }
  }

  /// Known counts size the band: right, too low or too high, the path stays the full table's.
  @Test(arguments: AlignmentRule.allCases)
  func knownCountsNeverChangeThePath(rule: AlignmentRule) {
    var generator = Generator(state: 99)
    let workspace = AlignmentWorkspace(fullTableCells: 256, initialBand: 1)
    var scratch = EditDistanceScratch()
    for index in 0..<60 {
      let reference = (0..<(100 + generator.next(below: 400))).map { _ in Int32(generator.next(below: 3)) }
      let hypothesis = Self.edited(reference, vocabulary: 3, errorPercent: 1 + index % 12, &generator)
      let expected = FullTableOracle.path(reference: reference, hypothesis: hypothesis, rule: rule)
      let counts = scratch.counts(reference: reference, hypothesis: hypothesis, rule: rule)
      for known in [
        counts, EditCounts(), EditCounts(substitutions: counts.errors / 2), EditCounts(insertions: 3 * counts.errors),
      ] {
        let path = workspace.path(reference: reference, hypothesis: hypothesis, rule: rule, knownCounts: known)
        #expect(path == expected, "pair \(index), known \(known)")
        if path != expected { return }
      }
    }
  }

  /// The 1,357 fixture pairs (Kaldi's and sclite's own outputs are checked elsewhere).
  @Test(arguments: AlignmentRule.allCases)
  func equalsTheFullTableOnTheFixturePairs(rule: AlignmentRule) throws {
    let workspaces = [
      AlignmentWorkspace(fullTableCells: 4, initialBand: 1), AlignmentWorkspace(fullTableCells: 30, initialBand: 2),
    ]
    for utterance in try DetailsFixtureTests.utterances() {
      var interner = WordInterner()
      let reference = interner.ids(utterance.reference)
      let hypothesis = interner.ids(utterance.hypothesis)
      if !Self.expectSamePath(reference, hypothesis, rule: rule, workspaces: workspaces, utterance.key) { return }
    }
  }

  /// A 100,000-word pair (a few edits, one near the end so that the common suffix is short):
  /// the workspace stays linear in the lengths (its full table would take 40 GB), the path is
  /// a valid alignment of the two sentences, and its error count is at most the edits made.
  @Test(arguments: AlignmentRule.allCases)
  func hundredThousandWordPairNeedsLinearMemory(rule: AlignmentRule) {
    var generator = Generator(state: 90)
    let reference = (0..<100_000).map { _ in Int32(generator.next(below: 1_000)) }
    var hypothesis = Self.edited(reference, vocabulary: 1_000, errorPercent: 0, &generator)
    var edits = 1
    hypothesis[hypothesis.count - 2] = 1_001
    for _ in 0..<5 {
      let at = generator.next(below: hypothesis.count - 2)
      switch generator.next(below: 3) {
      case 0: hypothesis[at] = 1_002
      case 1: hypothesis.insert(1_003, at: at)
      default: hypothesis.remove(at: at)
      }
      edits += 1
    }
    let workspace = AlignmentWorkspace(initialBand: 8)
    let path = workspace.path(reference: reference, hypothesis: hypothesis, rule: rule)
    let lengths = reference.count + hypothesis.count
    #expect(workspace.peakBoundaryWords <= lengths + 256)
    #expect(workspace.allocatedBytes <= 24 * lengths + 4 * workspace.fullTableCells)
    var (m, n, errors) = (0, 0, 0)
    for step in path {
      switch step {
      case .correct, .substitution:
        if reference[m] != hypothesis[n] { errors += 1 }
        m += 1
        n += 1
      case .deletion:
        m += 1
        errors += 1
      case .insertion:
        n += 1
        errors += 1
      }
    }
    #expect(m == reference.count && n == hypothesis.count)
    #expect(errors <= edits && errors > 0)
  }

  /// One workspace serves sentences of any length one after another.
  @Test func workspaceIsReusableAcrossLengths() {
    let workspace = AlignmentWorkspace(fullTableCells: 8, initialBand: 1)
    for (reference, hypothesis) in [([1, 2, 3, 4, 5, 6], [1, 9, 3]), ([7], [7, 7]), ([], [1]), ([2, 2], [])]
      as [([Int32], [Int32])]
    {
      for rule in AlignmentRule.allCases {
        #expect(
          workspace.path(reference: reference, hypothesis: hypothesis, rule: rule)
            == FullTableOracle.path(reference: reference, hypothesis: hypothesis, rule: rule))
      }
    }
  }
}

/// Counting in a band gives the full table's counts (the counting rule's own ties included).
struct BandedCountsTests {
  @Test(arguments: AlignmentRule.allCases)
  func bandedCountsEqualFullCounts(rule: AlignmentRule) {
    var generator = LinearSpaceAlignmentTests.Generator(state: rule == .kaldi ? 21 : 43)
    var full = EditDistanceScratch(fullTableCells: .max, initialBand: 1)
    var banded = [
      EditDistanceScratch(fullTableCells: 4, initialBand: 1), EditDistanceScratch(fullTableCells: 64, initialBand: 3),
    ]
    for index in 0..<2_000 {
      let vocabulary = 1 + generator.next(below: 4)
      let reference = (0..<generator.next(below: 120)).map { _ in Int32(generator.next(below: vocabulary)) }
      let hypothesis =
        index % 2 == 0
        ? (0..<generator.next(below: 120)).map { _ in Int32(generator.next(below: vocabulary)) }
        : LinearSpaceAlignmentTests.edited(reference, vocabulary: vocabulary, errorPercent: 1 + index % 20, &generator)
      let expected = full.counts(reference: reference, hypothesis: hypothesis, rule: rule)
      for scratch in banded.indices {
        let counts = banded[scratch].counts(reference: reference, hypothesis: hypothesis, rule: rule)
        if counts != expected {
          Issue.record("pair \(index) scratch \(scratch): ref \(reference) hyp \(hypothesis): \(counts) != \(expected)")
          return
        }
      }
    }
  }
}
