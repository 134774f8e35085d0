/// --concat mode: the corpus as one stream `<s> s1 <s> s2 ...` whose targets are
/// `s1 </s> s2 </s> ...`, so every word and every sentence's `</s>` is predicted exactly once,
/// and `<s>` replaces `</s>` as the input that starts the next sentence.
///
/// The stream (N = words + sentences predictions) is split into `batchSize` contiguous lanes of
/// L = ceil(N / batchSize) predictions (lane b holds stream positions `b*L ..< (b+1)*L`, the last
/// lane is shorter, padded at its end; nothing is dropped), then cut into chunks of `bptt` steps:
/// batch j holds steps `j*bptt ..< min((j+1)*bptt, L)` of every lane. The hidden state carries
/// across consecutive batches: `resetsState` is true only for the first. Batches must be
/// consumed in order, so there is no shuffling.
public struct ConcatBatcher: Sendable {
  public let corpus: Corpus
  public let batchSize: Int
  public let bptt: Int
  /// Stream length N: words plus one `</s>` per sentence.
  public let streamLength: Int
  /// Steps per lane, L = ceil(N / batchSize).
  public let laneLength: Int

  /// Throws a `ModelConfigError` unless `batchSize >= 1` and `bptt >= 1`: sizes come from
  /// options and files, so they are checked in every build, not as preconditions.
  public init(corpus: Corpus, batchSize: Int, bptt: Int) throws {
    guard batchSize >= 1 && bptt >= 1 else {
      throw ModelConfigError(message: "--batch-size and --bptt must be positive, got \(batchSize) and \(bptt)")
    }
    self.corpus = corpus
    self.batchSize = batchSize
    self.bptt = bptt
    streamLength = corpus.predictionCount
    laneLength = (streamLength + batchSize - 1) / batchSize
  }

  public var batchCount: Int { (laneLength + bptt - 1) / bptt }

  /// All batches of one epoch, in the order they must be consumed.
  public func batches() throws -> [Batch] { try (0..<batchCount).map(batch) }

  /// Batch `j` (0-based), built on demand; memory proportional to one batch. An index outside
  /// `0..<batchCount` (e.g. a resumed position past the end of a shorter text) throws a
  /// `ModelConfigError`: with it the lanes' step counts would be negative.
  public func batch(_ j: Int) throws -> Batch {
    guard j >= 0 && j < batchCount else {
      throw ModelConfigError(message: "batch \(j) does not exist: the text gives \(batchCount) batches")
    }
    let firstStep = j * bptt
    let steps = min(bptt, laneLength - firstStep)
    var inputs = [Int32](repeating: Vocabulary.eosID, count: steps * batchSize)
    var targets = inputs
    var mask = [Float](repeating: 0, count: steps * batchSize)
    corpus.tokens.withUnsafeBufferPointer { tokens in
      corpus.sentenceStarts.withUnsafeBufferPointer { starts in
        for lane in 0..<batchSize {
          let laneEnd = min((lane + 1) * laneLength, streamLength)
          let first = lane * laneLength + firstStep
          guard first < laneEnd else { continue }
          var (sentence, k) = locate(first, starts: starts)
          for t in 0..<min(steps, laneEnd - first) {
            let start = starts[sentence]
            let words = starts[sentence + 1] - start
            let p = t * batchSize + lane
            inputs[p] = k == 0 ? Vocabulary.bosID : tokens[start + k - 1]
            targets[p] = k < words ? tokens[start + k] : Vocabulary.eosID
            mask[p] = 1
            if k == words {
              sentence += 1
              k = 0
            } else {
              k += 1
            }
          }
        }
      }
    }
    return Batch(
      steps: steps, batchSize: batchSize, inputs: inputs, targets: targets, mask: mask, resetsState: j == 0)
  }

  /// The sentence holding stream position `q` and the prediction index inside it (0...words);
  /// sentence i begins at stream position `starts[i] + i`. Binary search, O(log sentences).
  private func locate(_ q: Int, starts: UnsafeBufferPointer<Int>) -> (sentence: Int, k: Int) {
    var low = 0
    var high = starts.count - 2  // last sentence index
    while low < high {
      let mid = (low + high + 1) / 2
      if starts[mid] + mid <= q { low = mid } else { high = mid - 1 }
    }
    return (low, q - starts[low] - low)
  }
}
