import Foundation
import NBestRescoring
import NCECore
import Testing

@Suite struct NBestChunkerTests {
  /// Chunks close as soon as they hold `chunkHypotheses` hypotheses; the last may be smaller.
  @Test(arguments: [1, 4, 5, 100])
  func chunksAreConsecutiveAndCloseAtTheThreshold(size: Int) {
    let lists = RNNScoringSupport.lists()
    var chunker = NBestChunker(chunkHypotheses: size)
    var chunks = lists.compactMap { chunker.add($0) }
    let complete = chunks.count
    if let last = chunker.finish() { chunks.append(last) }
    #expect(chunker.finish() == nil)
    #expect(chunks.flatMap { $0 } == lists)
    for (c, chunk) in chunks.enumerated() {
      let counts = chunk.map(\.hypotheses.count)
      if c < complete {
        #expect(counts.reduce(0, +) >= size)
        #expect(counts.dropLast().reduce(0, +) < size)
      } else {
        #expect(counts.reduce(0, +) < size)
      }
    }
  }

  /// Scoring streamed chunks, whatever the thread count, gives bit-identical costs to scoring
  /// the whole set at once.
  @Test(arguments: [1, 2])
  func streamedChunksScoreLikeTheWholeSet(threads: Int) {
    let model = RNNScoringSupport.model()
    let vocabulary = RNNScoringSupport.vocabulary()
    let scorer = NBestRNNScorer(
      model: model, vocabulary: vocabulary, mode: .normalized, oovCost: OOVCost(penalty: 2), threads: threads,
      chunkHypotheses: 4)
    var whole = RNNScoringSupport.lists()
    let wholeStatistics = scorer.score(&whole)
    var chunker = NBestChunker(chunkHypotheses: scorer.chunkHypotheses)
    var streamed: [NBestList] = []
    var streamedSteps = 0
    var wave: [[NBestList]] = []
    func scoreWave() {
      streamedSteps += scorer.score(chunks: &wave).treeSteps
      streamed += wave.flatMap { $0 }
      wave = []
    }
    for list in RNNScoringSupport.lists() {
      if let chunk = chunker.add(list) { wave.append(chunk) }
      if wave.count == threads { scoreWave() }
    }
    if let last = chunker.finish() { wave.append(last) }
    scoreWave()
    #expect(streamed == whole)
    #expect(streamedSteps == wholeStatistics.treeSteps)
  }
}
