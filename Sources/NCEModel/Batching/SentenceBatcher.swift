import NCECore

/// Pytorch-NCE sentence mode: each sentence is `<s> w1..wn </s>`, giving n+1 predictions with
/// inputs `<s> w1..wn` and targets `w1..wn </s>`; every batch starts from a reset state.
///
/// Cutting: a sentence with more than `bptt` predictions is split into independent segments of
/// at most `bptt` predictions (the first `bptt`, the next `bptt`, ...). Each segment starts from
/// a reset state, so the words after a cut lose their left context; with `bptt` at least the
/// longest sentence + 1 nothing is cut. Every target of the corpus appears exactly once per epoch.
///
/// Bucketing: segments are sorted by length and grouped `batchSize` at a time, so padding is
/// only what a group's lengths differ by; `steps` of a batch is its longest segment. The last
/// batch may have fewer lanes (`batchSize` = the remaining segments). With `shuffle`, segments of
/// equal length are shuffled before grouping and the batch order is shuffled, both with the
/// given generator (the same seed gives the same epoch). Cost: O(S log S) for S segments.
/// Without `bucketByLength` batches are consecutive runs of the shuffled segments (Pytorch-NCE's
/// DataLoader): more padding, but every batch mixes short and long sentences.
public struct SentenceBatcher: Sendable {
  /// A piece of one sentence's prediction sequence: predictions `offset..<offset+length`.
  struct Segment: Sendable {
    var sentence: Int32
    var offset: Int32
    var length: Int32
  }

  public let corpus: Corpus
  public let batchSize: Int
  public let bptt: Int
  public let bucketByLength: Bool
  let segments: [Segment]

  /// Throws a `ModelConfigError` unless `batchSize >= 1` and `bptt >= 1` (checked in every
  /// build: the sizes come from options and files).
  public init(corpus: Corpus, batchSize: Int, bptt: Int, bucketByLength: Bool = true) throws {
    guard batchSize >= 1 && bptt >= 1 else {
      throw ModelConfigError(message: "--batch-size and --bptt must be positive, got \(batchSize) and \(bptt)")
    }
    self.corpus = corpus
    self.batchSize = batchSize
    self.bptt = bptt
    self.bucketByLength = bucketByLength
    var segments: [Segment] = []
    segments.reserveCapacity(corpus.sentenceCount)
    for i in 0..<corpus.sentenceCount {
      let predictions = corpus.sentenceStarts[i + 1] - corpus.sentenceStarts[i] + 1
      var offset = 0
      while offset < predictions {
        let length = min(bptt, predictions - offset)
        segments.append(Segment(sentence: Int32(i), offset: Int32(offset), length: Int32(length)))
        offset += length
      }
    }
    self.segments = segments
  }

  /// Number of batches of one epoch.
  public var batchCount: Int { (segments.count + batchSize - 1) / batchSize }

  /// One epoch of batches, built now (about 20 bytes per prediction).
  public func batches(shuffle: Bool, using generator: inout SeededGenerator) -> [Batch] {
    Array(schedule(shuffle: shuffle, using: &generator))
  }

  /// One epoch of batches, each built when accessed: the same batches as `batches(shuffle:using:)`
  /// for the same generator state, in memory proportional to one batch.
  public func schedule(shuffle: Bool, using generator: inout SeededGenerator) -> Schedule {
    var order = Array(0..<segments.count)
    if shuffle { Self.shuffle(&order, using: &generator) }
    if !bucketByLength {
      return Schedule(
        corpus: corpus, batchSize: batchSize, segments: order.map { segments[$0] },
        groupStarts: Array(stride(from: 0, to: order.count, by: batchSize)))
    }
    // Sort by length; equal lengths keep their (shuffled) order.
    var keyed = order.enumerated().map { (length: segments[$0.element].length, rank: $0.offset, segment: $0.element) }
    keyed.sort { $0.length != $1.length ? $0.length < $1.length : $0.rank < $1.rank }
    let sorted = keyed.map { segments[$0.segment] }
    var groupStarts = Array(stride(from: 0, to: sorted.count, by: batchSize))
    if shuffle { Self.shuffle(&groupStarts, using: &generator) }
    return Schedule(corpus: corpus, batchSize: batchSize, segments: sorted, groupStarts: groupStarts)
  }

  /// Fisher–Yates with `SeededGenerator.nextInt(below:)`, identical on every platform.
  static func shuffle<T>(_ array: inout [T], using generator: inout SeededGenerator) {
    var i = array.count - 1
    while i > 0 {
      array.swapAt(i, generator.nextInt(below: i + 1))
      i -= 1
    }
  }

  /// The batches of one epoch, built on access.
  public struct Schedule: RandomAccessCollection, Sendable {
    let corpus: Corpus
    let batchSize: Int
    let segments: [Segment]
    let groupStarts: [Int]

    public var startIndex: Int { 0 }
    public var endIndex: Int { groupStarts.count }

    public subscript(position: Int) -> Batch {
      let first = groupStarts[position]
      // Longest segment first: the lanes still running at any step are then a prefix, which
      // lets the recurrent layers skip finished lanes (`Batch.activeLanes`).
      let group = segments[first..<Swift.min(first + batchSize, segments.count)].sorted { $0.length > $1.length }
      let lanes = group.count
      var steps = 0
      for segment in group { steps = Swift.max(steps, Int(segment.length)) }
      var inputs = [Int32](repeating: Vocabulary.eosID, count: steps * lanes)
      var targets = inputs
      var mask = [Float](repeating: 0, count: steps * lanes)
      corpus.tokens.withUnsafeBufferPointer { tokens in
        for (lane, segment) in group.enumerated() {
          let start = corpus.sentenceStarts[Int(segment.sentence)]
          let words = corpus.sentenceStarts[Int(segment.sentence) + 1] - start
          for k in 0..<Int(segment.length) {
            let prediction = Int(segment.offset) + k
            let p = k * lanes + lane
            inputs[p] = prediction == 0 ? Vocabulary.bosID : tokens[start + prediction - 1]
            targets[p] = prediction < words ? tokens[start + prediction] : Vocabulary.eosID
            mask[p] = 1
          }
        }
      }
      return Batch(
        steps: steps, batchSize: lanes, inputs: inputs, targets: targets, mask: mask, resetsState: true)
    }
  }
}
