/// Cuts a stream of N-best lists into the chunks of `NBestRNNScorer`: consecutive lists,
/// closed as soon as they hold at least `chunkHypotheses` hypotheses (the last chunk, from
/// `finish()`, may hold fewer). The composition depends only on the lists, not on how they
/// arrive or on the thread count, so streamed scoring is bit-identical to `score(_:)` on the
/// whole set. Memory: one chunk.
public struct NBestChunker: Sendable {
  public let chunkHypotheses: Int
  private var pending: [NBestList] = []
  private var pendingHypotheses = 0

  public init(chunkHypotheses: Int) {
    self.chunkHypotheses = max(1, chunkHypotheses)
  }

  /// Adds the next list; returns the chunk it completes, if any.
  public mutating func add(_ list: NBestList) -> [NBestList]? {
    pending.append(list)
    pendingHypotheses += list.hypotheses.count
    guard pendingHypotheses >= chunkHypotheses else { return nil }
    defer {
      pending = []
      pendingHypotheses = 0
    }
    return pending
  }

  /// The last, incomplete chunk at the end of input (nil when empty).
  public mutating func finish() -> [NBestList]? {
    defer {
      pending = []
      pendingHypotheses = 0
    }
    return pending.isEmpty ? nil : pending
  }
}
