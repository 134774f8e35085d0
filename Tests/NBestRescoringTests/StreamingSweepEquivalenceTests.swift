import FileIO
import Foundation
import NCECore
import Testing
import WERScoring

@testable import NBestRescoring

/// The streaming `WeightSweep` (per-point totals as it goes, second pass for the text) gives
/// what the former in-memory computation gave: every list kept, then for every setting an
/// argmin per utterance, then the edit counts summed in reference order.
@Suite struct StreamingSweepEquivalenceTests {
  /// Random lists (ties, duplicates, empty hypotheses, an infinite cost) and references that
  /// are in another order, miss some utterances and name utterances with no list.
  static func randomSet(seed: UInt64) -> (lists: [NBestList], references: [(key: String, words: [String])]) {
    var generator = SeededGenerator(seed: seed)
    let vocabulary = ["a", "b", "c", "d", "e"]
    func words(_ n: Int) -> [String] { (0..<n).map { _ in vocabulary[generator.nextInt(below: vocabulary.count)] } }
    var lists: [NBestList] = []
    for u in 0..<40 {
      var hypotheses: [NBestHypothesis] = []
      for rank in 1...(1 + generator.nextInt(below: 6)) {
        let cost = { Double(generator.nextInt(below: 8)) * 0.5 }  // coarse: many ties
        hypotheses.append(
          NBestHypothesis(
            rank: rank, words: words(generator.nextInt(below: 5)), acousticCost: 10 * cost(), graphCost: cost(),
            ngramCost: cost(), rnnCost: u == 7 && rank == 1 ? .infinity : cost()))
      }
      if hypotheses.count > 1 { hypotheses[1].words = hypotheses[0].words }
      lists.append(NBestList(utteranceID: "utt\(u)", hypotheses: hypotheses))
    }
    var references: [(key: String, words: [String])] = []
    for u in (0..<40).reversed() where u % 5 != 3 { references.append((key: "utt\(u)", words: words(1 + u % 4))) }
    references.insert((key: "gone1", words: ["a", "b"]), at: 5)
    references.append((key: "gone2", words: ["c"]))
    return (lists, references)
  }

  @Test(arguments: [MissingHypothesisMode.present, .all], [1, 2] as [UInt64])
  func totalsAndTextsEqualTheInMemoryComputation(mode: MissingHypothesisMode, seed: UInt64) throws {
    let (lists, references) = Self.randomSet(seed: seed)
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(parsing: "0:0.25:1", name: "w"), lmWeights: WeightGrid(parsing: "1:0.5:4", name: "l"),
      insertionPenalties: WeightGrid(parsing: "-1,0,1", name: "p"), references: references,
      rules: ScoringRules(mode: mode))
    for list in lists { try sweep.add(list) }
    let report = try sweep.run()
    var errors: [Int] = []
    for (index, setting) in report.settings.enumerated() {
      let chosen = try lists.map {
        try ScoreCombination.bestIndex(
          of: $0, rnnWeight: setting.rnnWeight, interpolation: .logLinear, lmWeight: setting.lmWeight,
          insertionPenalty: setting.insertionPenalty)
      }
      var expected = WERSummary()
      for reference in references {
        if let u = lists.firstIndex(where: { $0.utteranceID == reference.key }) {
          expected.add(WordAligner.counts(reference: reference.words, hypothesis: lists[u].hypotheses[chosen[u]].words))
        } else {
          expected.addMissing()
          let n = reference.words.count
          if mode == .all { expected.add(EditCounts(deletions: n, referenceWords: n)) }
        }
      }
      let summary = report.summaries[index]
      #expect(summary.counts == expected.counts, "\(setting.werName)")
      #expect(summary.sentences == expected.sentences && summary.sentenceErrors == expected.sentenceErrors)
      #expect(summary.missing == 2)
      let text = zip(lists, chosen).map { ([$0.utteranceID] + $0.hypotheses[$1].words).joined(separator: " ") + "\n" }
      #expect(try sweep.selectedText(setting: index) == text.joined(), "\(setting.werName)")
      errors.append(expected.counts.errors)
    }
    // The first setting in grid order with the fewest errors.
    #expect(report.bestIndex == errors.firstIndex(of: errors.min()!))
  }

  @Test func addingAfterASecondPassContinuesTheSameFile() throws {
    let (lists, _) = Self.randomSet(seed: 3)
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0.5]), lmWeights: WeightGrid(values: [2]),
      insertionPenalties: WeightGrid(values: [0]), references: nil)
    for list in lists[..<10] { try sweep.add(list) }
    let first = try sweep.selectedText(setting: 0)
    for list in lists[10...] { try sweep.add(list) }
    let all = try sweep.selectedText(setting: 0)
    #expect(all.hasPrefix(first))
    #expect(all.split(separator: "\n", omittingEmptySubsequences: false).count == lists.count + 1)
    #expect(throws: InputError.self) { try sweep.add(lists[0]) }
  }
}
