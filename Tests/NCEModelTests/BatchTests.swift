import NCECore
import Testing

@testable import NCEModel

/// A random corpus of `sentences` sentences of 1...maxLength words with ids 3..<vocabularySize.
func randomCorpus(sentences: Int, maxLength: Int, seed: UInt64, vocabularySize: Int = 50) -> Corpus {
  var generator = SeededGenerator(seed: seed)
  return Corpus(
    sentences: (0..<sentences).map { _ in
      (0...generator.nextInt(below: maxLength)).map { _ in Int32(3 + generator.nextInt(below: vocabularySize - 3)) }
    })
}

/// Structural invariants every batch must satisfy; returns each lane's real (input, target)
/// pairs in time order.
func checkInvariants(_ batch: Batch) -> [[(Int32, Int32)]] {
  let size = batch.steps * batch.batchSize
  #expect(batch.inputs.count == size && batch.targets.count == size && batch.mask.count == size)
  #expect(batch.mask.allSatisfy { $0 == 0 || $0 == 1 })
  #expect(batch.realPositions == (0..<size).filter { batch.mask[$0] == 1 }.map(Int32.init))
  #expect(batch.realTargets == batch.realPositions.map { batch.targets[Int($0)] })
  var lanes = [[(Int32, Int32)]](repeating: [], count: batch.batchSize)
  for t in 0..<batch.steps {
    for b in 0..<batch.batchSize {
      let p = t * batch.batchSize + b
      if batch.mask[p] == 1 {
        // Real positions of a lane are a prefix: no real token after padding.
        #expect(lanes[b].count == t)
        lanes[b].append((batch.inputs[p], batch.targets[p]))
      } else {
        #expect(batch.inputs[p] == Vocabulary.eosID && batch.targets[p] == Vocabulary.eosID)
      }
    }
  }
  return lanes
}

/// The (input, target) pairs of sentence i: `<s> w1..wn` -> `w1..wn </s>`.
func predictions(_ corpus: Corpus, _ i: Int) -> [(Int32, Int32)] {
  let words = Array(corpus.sentence(i))
  return Array(zip([Vocabulary.bosID] + words, words + [Vocabulary.eosID]))
}

func key(_ pairs: [(Int32, Int32)]) -> [Int32] { pairs.flatMap { [$0.0, $0.1] } }

@Suite struct SentenceBatchTests {
  @Test(arguments: [(1, 1), (3, 4), (7, 5), (20, 35), (64, 100)])
  func everyTargetExactlyOncePerEpoch(batchSize: Int, bptt: Int) throws {
    let corpus = randomCorpus(sentences: 137, maxLength: 30, seed: 7)
    let batcher = try SentenceBatcher(corpus: corpus, batchSize: batchSize, bptt: bptt)
    var generator = SeededGenerator(seed: 1)
    let batches = batcher.batches(shuffle: true, using: &generator)
    #expect(batches.count == batcher.batchCount)
    var actual: [[Int32]] = []
    for batch in batches {
      #expect(batch.resetsState)
      #expect(batch.steps <= bptt && batch.batchSize <= batchSize)
      let lanes = checkInvariants(batch)
      #expect(lanes.allSatisfy { !$0.isEmpty })
      #expect(lanes.map(\.count).max() == batch.steps)  // no all-padding step
      actual += lanes.map(key)
    }
    // Expected: each sentence's predictions cut into consecutive pieces of at most bptt.
    var expected: [[Int32]] = []
    for i in 0..<corpus.sentenceCount {
      let all = predictions(corpus, i)
      for start in stride(from: 0, to: all.count, by: bptt) {
        expected.append(key(Array(all[start..<min(start + bptt, all.count)])))
      }
    }
    #expect(actual.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
    #expect(batches.map(\.tokenCount).reduce(0, +) == corpus.predictionCount)
  }

  @Test func activeLanesNeedAPrefixThatNeverGrows() {
    let lanes = { (mask: [Float], steps: Int) in
      Batch(
        steps: steps, batchSize: 2, inputs: .init(repeating: 2, count: mask.count),
        targets: .init(repeating: 2, count: mask.count), mask: mask, resetsState: true
      ).activeLanes
    }
    #expect(lanes([1, 1, 1, 0], 2) == [2, 1])
    #expect(lanes([1, 0, 0, 1], 2) == nil)  // padding before a real lane
    #expect(lanes([1, 0, 1, 1], 2) == nil)  // a lane that starts late
  }

  @Test func bpttCutsLongSentencesIntoIndependentPieces() throws {
    let corpus = Corpus(sentences: [[5, 6, 7]])
    var generator = SeededGenerator(seed: 3)
    let batches = try SentenceBatcher(corpus: corpus, batchSize: 1, bptt: 2).batches(shuffle: false, using: &generator)
    #expect(batches.count == 2)
    #expect(batches[0].inputs == [1, 5] && batches[0].targets == [5, 6])
    #expect(batches[1].inputs == [6, 7] && batches[1].targets == [7, 2])
    #expect(batches.allSatisfy { $0.resetsState && $0.mask == [1, 1] })
  }

  @Test func bucketsByLengthWithTimeMajorLayout() throws {
    let corpus = Corpus(sentences: [[5, 6, 7], [8], [9, 10]])
    var generator = SeededGenerator(seed: 3)
    let batches = try SentenceBatcher(corpus: corpus, batchSize: 2, bptt: 10).batches(shuffle: false, using: &generator)
    #expect(batches.count == 2)
    // Sorted by length: [8] (2 predictions) and [9 10] (3) together, then [5 6 7] alone;
    // inside a batch the longest lane comes first, so running lanes form a prefix.
    #expect(batches[0].steps == 3 && batches[0].batchSize == 2)
    #expect(batches[0].inputs == [1, 1, 9, 8, 10, 2])
    #expect(batches[0].targets == [9, 8, 10, 2, 2, 2])
    #expect(batches[0].mask == [1, 1, 1, 1, 1, 0])
    #expect(batches[0].realPositions == [0, 1, 2, 3, 4])
    #expect(batches[0].realTargets == [9, 8, 10, 2, 2])
    #expect(batches[0].activeLanes == [2, 2, 1])
    #expect(batches[1].batchSize == 1 && batches[1].inputs == [1, 5, 6, 7] && batches[1].targets == [5, 6, 7, 2])
  }

  @Test func shuffleIsDeterministicPerSeed() throws {
    let corpus = randomCorpus(sentences: 200, maxLength: 20, seed: 11)
    let batcher = try SentenceBatcher(corpus: corpus, batchSize: 8, bptt: 35)
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    var c = SeededGenerator(seed: 43)
    let first = batcher.batches(shuffle: true, using: &a)
    #expect(first == batcher.batches(shuffle: true, using: &b))
    #expect(first != batcher.batches(shuffle: true, using: &c))
    // The next epoch from the same generator is a different order.
    #expect(first != batcher.batches(shuffle: true, using: &a))
    // The lazy schedule builds the same batches.
    var d = SeededGenerator(seed: 42)
    #expect(Array(batcher.schedule(shuffle: true, using: &d)) == first)
  }

  @Test func unshuffledBatchesAscendInLength() throws {
    let corpus = randomCorpus(sentences: 100, maxLength: 40, seed: 5)
    var generator = SeededGenerator(seed: 1)
    let steps = try SentenceBatcher(corpus: corpus, batchSize: 10, bptt: 1000).batches(
      shuffle: false, using: &generator
    )
    .map(\.steps)
    #expect(steps == steps.sorted())
  }
}

@Suite struct ConcatBatchTests {
  @Test func smallStreamLayout() throws {
    // Stream inputs <s> 5 6 <s> 7, targets 5 6 </s> 7 </s>; 2 lanes of 3: [0, 3) and [3, 5).
    let batches = try ConcatBatcher(corpus: Corpus(sentences: [[5, 6], [7]]), batchSize: 2, bptt: 2).batches()
    #expect(batches.count == 2)
    #expect(
      batches[0].inputs == [1, 1, 5, 7] && batches[0].targets == [5, 7, 6, 2] && batches[0].mask == [1, 1, 1, 1])
    #expect(batches[1].inputs == [6, 2] && batches[1].targets == [2, 2] && batches[1].mask == [1, 0])
    #expect(batches[0].resetsState && !batches[1].resetsState)
  }

  @Test(arguments: [(1, 1), (2, 3), (5, 35), (20, 7), (500, 4)])
  func lanesReassembleTheStream(batchSize: Int, bptt: Int) throws {
    let corpus = randomCorpus(sentences: 61, maxLength: 15, seed: 9)
    let batcher = try ConcatBatcher(corpus: corpus, batchSize: batchSize, bptt: bptt)
    let batches = try batcher.batches()
    #expect(batches.count == batcher.batchCount)
    var lanes = [[(Int32, Int32)]](repeating: [], count: batchSize)
    var ended = [Bool](repeating: false, count: batchSize)
    for (j, batch) in batches.enumerated() {
      #expect(batch.resetsState == (j == 0))
      #expect(batch.batchSize == batchSize)
      #expect(batch.steps == (j < batches.count - 1 ? bptt : batcher.laneLength - j * bptt))
      for (b, part) in checkInvariants(batch).enumerated() {
        // Once a lane has padding, it stays padding: state is never carried into real tokens after it.
        #expect(!ended[b] || part.isEmpty)
        if part.count < batch.steps { ended[b] = true }
        lanes[b] += part
      }
    }
    let stream = (0..<corpus.sentenceCount).flatMap { predictions(corpus, $0) }
    #expect(key(lanes.flatMap { $0 }) == key(stream))
    #expect(batches.map(\.tokenCount).reduce(0, +) == corpus.predictionCount)
  }
}

@Suite struct BatchShareTests {
  /// Balanced worker shares: together they hold every lane's tokens exactly once, each share
  /// keeps the prefix layout (so lanes can be skipped) and its lanes in batch order, trailing
  /// all-padding steps are dropped, and the token counts of the shares differ by at most one
  /// lane's; summed over an epoch of unbucketed sentence batches, the busiest worker's excess
  /// over the mean is a fraction of what dealing lanes in turn gave it.
  @Test(arguments: [2, 3])
  func balancedSharesPartitionTheLanesByTokens(workers: Int) throws {
    let corpus = randomCorpus(sentences: 400, maxLength: 30, seed: 11)
    var generator = SeededGenerator(seed: 4)
    let batches = try SentenceBatcher(corpus: corpus, batchSize: 20, bptt: 35, bucketByLength: false).batches(
      shuffle: true, using: &generator)
    var excess = 0.0
    var interleavedExcess = 0.0
    for batch in batches where batch.batchSize >= workers {
      let lanes = checkInvariants(batch)
      let selections = batch.balancedLaneSelections(workers: workers)
      let shares = batch.balancedShares(workers: workers)
      #expect(selections.flatMap { $0 }.sorted() == Array(0..<batch.batchSize))
      for (selection, share) in zip(selections, shares) {
        #expect(!selection.isEmpty && selection == selection.sorted())
        let shareLanes = checkInvariants(share)
        #expect(shareLanes.map(key) == selection.map { key(lanes[$0]) })
        #expect(share.steps == max(1, shareLanes.map(\.count).max()!))
        #expect(share.activeLanes != nil)
      }
      let tokens = shares.map(\.tokenCount)
      #expect(tokens.reduce(0, +) == batch.tokenCount)
      #expect(tokens.max()! - tokens.min()! <= lanes.map(\.count).max()!)
      let mean = Double(batch.tokenCount) / Double(workers)
      excess += Double(tokens.max()!) - mean
      let interleaved = (0..<workers).map { w in
        stride(from: w, to: batch.batchSize, by: workers).map { lanes[$0].count }
      }
      interleavedExcess += Double(interleaved.map { $0.reduce(0, +) }.max()!) - mean
    }
    #expect(interleavedExcess > 0 && excess < interleavedExcess / 3, "\(excess) \(interleavedExcess)")
  }

  /// Lanes of equal length (concatenated streams) are dealt out in turn; a lane without real
  /// tokens (the end of the stream) still counts, so no worker is left without lanes.
  @Test func equalLanesAreDealtInTurnAndEveryWorkerGetsOne() throws {
    let corpus = randomCorpus(sentences: 30, maxLength: 12, seed: 5)
    let batcher = try ConcatBatcher(corpus: corpus, batchSize: 7, bptt: 6)
    let first = try batcher.batch(0)
    #expect(first.balancedLaneSelections(workers: 2) == [[0, 2, 4, 6], [1, 3, 5]])
    #expect(first.balancedLaneSelections(workers: 3) == [[0, 3, 6], [1, 4], [2, 5]])
    let last = try batcher.batch(batcher.batchCount - 1)
    for workers in 1...7 {
      let selections = last.balancedLaneSelections(workers: workers)
      #expect(selections.count == workers && selections.allSatisfy { !$0.isEmpty })
      #expect(selections.flatMap { $0 }.sorted() == Array(0..<7))
    }
    // A hand-made case: lanes of 5, 0, 3, 3 and 2 tokens.
    let lengths = [5, 0, 3, 3, 2]
    var mask = [Float](repeating: 0, count: 5 * 5)
    for (lane, length) in lengths.enumerated() { for t in 0..<length { mask[t * 5 + lane] = 1 } }
    let batch = Batch(
      steps: 5, batchSize: 5, inputs: [Int32](repeating: 2, count: 25), targets: [Int32](repeating: 2, count: 25),
      mask: mask, resetsState: true)
    #expect(batch.laneTokenCounts == lengths)
    // Lane 0 (5) -> w0; 2 (3) -> w1; 3 (3) -> w1 (3 < 5); 4 (2) -> w0 (5 < 6); 1 (0) -> w1 (6 < 7).
    #expect(batch.balancedLaneSelections(workers: 2) == [[0, 4], [1, 2, 3]])
    #expect(batch.balancedLaneSelections(workers: 1) == [[0, 1, 2, 3, 4]])
    for workers in 1...5 {
      let selections = batch.balancedLaneSelections(workers: workers)
      #expect(selections.count == workers && selections.allSatisfy { !$0.isEmpty })
    }
  }
}

/// Sizes and indices that come from options or files are checked in every build (a release
/// build once turned these preconditions into memory corruption).
@Suite struct BatcherCheckTests {
  @Test(arguments: [(0, 5), (3, 0), (-1, 5)])
  func nonPositiveSizesAreErrors(batchSize: Int, bptt: Int) {
    let corpus = Corpus(sentences: [[5, 6], [7]])
    #expect(throws: ModelConfigError.self) { try ConcatBatcher(corpus: corpus, batchSize: batchSize, bptt: bptt) }
    #expect(throws: ModelConfigError.self) { try SentenceBatcher(corpus: corpus, batchSize: batchSize, bptt: bptt) }
  }

  @Test func aBatchPastTheEndIsAnError() throws {
    let batcher = try ConcatBatcher(corpus: Corpus(sentences: [[5, 6], [7, 8, 9]]), batchSize: 2, bptt: 2)
    #expect(batcher.batchCount == 2)
    _ = try batcher.batch(1)
    for index in [2, 7, -1] {
      let error = #expect(throws: ModelConfigError.self) { try batcher.batch(index) }
      #expect(error?.message == "batch \(index) does not exist: the text gives 2 batches")
    }
  }
}
