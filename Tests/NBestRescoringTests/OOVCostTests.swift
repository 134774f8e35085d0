import FileIO
import Foundation
import NBestRescoring
import NCECore
import Testing

@Suite struct OOVCostTests {
  @Test func explicitPenaltyAndTypeCount() throws {
    let vocabulary = RNNScoringSupport.vocabulary(unknownTypeCount: 40)
    #expect(try OOVCost.resolve(unkPenalty: 2.5, oovTypes: nil, vocabulary: vocabulary) == OOVCost(penalty: 2.5))
    #expect(try OOVCost.resolve(unkPenalty: nil, oovTypes: 1000, vocabulary: vocabulary).penalty == log(1000.0))
  }

  @Test func defaultIsLnOfTheTypesCutByMinFreq() throws {
    let cost = try OOVCost.resolve(
      unkPenalty: nil, oovTypes: nil, vocabulary: RNNScoringSupport.vocabulary(unknownTypeCount: 40))
    #expect(cost.penalty == log(40.0))
    #expect(cost.note == nil)
  }

  @Test func withoutATypeCountTheDefaultIsLnVWithANote() throws {
    let vocabulary = RNNScoringSupport.vocabulary(unknownTypeCount: nil)
    let cost = try OOVCost.resolve(unkPenalty: nil, oovTypes: nil, vocabulary: vocabulary)
    #expect(cost.penalty == log(Double(vocabulary.count)))
    #expect(cost.note?.contains("contained <unk>") == true)
    let noneCut = try OOVCost.resolve(
      unkPenalty: nil, oovTypes: nil, vocabulary: RNNScoringSupport.vocabulary(unknownTypeCount: 0))
    #expect(noneCut.penalty == log(Double(vocabulary.count)))
    #expect(noneCut.note != nil)
  }

  @Test func badValuesAreErrors() {
    let vocabulary = RNNScoringSupport.vocabulary()
    #expect(throws: InputError.self) { try OOVCost.resolve(unkPenalty: 1, oovTypes: 10, vocabulary: vocabulary) }
    #expect(throws: InputError.self) { try OOVCost.resolve(unkPenalty: -1, oovTypes: nil, vocabulary: vocabulary) }
    #expect(throws: InputError.self) { try OOVCost.resolve(unkPenalty: nil, oovTypes: 0.5, vocabulary: vocabulary) }
  }
}
