/// Where each time step of a sequence batch lives in a time-major activation matrix: step `t`
/// occupies rows `offsets[t] ..< offsets[t] + lanes[t]`, lane `r` at row `offsets[t] + r`.
///
/// Dense: every lane at every step (`lanes[t] == batch`), the layout of concatenated streams
/// and of rescoring. Packed (PyTorch's `PackedSequence`): lanes sorted longest first and only
/// the lanes still running are stored, so padding costs no GEMM rows at all; in sentence mode
/// about 38% of a dense PTB batch would be padding.
public struct StepLayout: Sendable, Equatable {
  public let batch: Int
  /// Lanes present at each step; never increases.
  public let lanes: [Int]
  /// `steps + 1` row offsets; the last one is the row count.
  public let offsets: [Int]

  public var steps: Int { lanes.count }
  public var rows: Int { offsets[offsets.count - 1] }
  public var isDense: Bool { lanes.allSatisfy { $0 == batch } }

  public init(steps: Int, batch: Int) {
    self.init(batch: batch, lanes: [Int](repeating: batch, count: steps))
  }

  /// `activeLanes` as in `Batch.activeLanes`: lanes running at each step, a prefix that never
  /// grows.
  public init(batch: Int, activeLanes: [Int32]) {
    self.init(batch: batch, lanes: activeLanes.map(Int.init))
  }

  init(batch: Int, lanes: [Int]) {
    precondition(lanes.allSatisfy { (0...batch).contains($0) }, "lanes per step must be in 0...batch")
    precondition(zip(lanes, lanes.dropFirst()).allSatisfy { $0 >= $1 }, "lanes per step must never grow")
    self.batch = batch
    self.lanes = lanes
    var offsets = [0]
    offsets.reserveCapacity(lanes.count + 1)
    for count in lanes { offsets.append(offsets[offsets.count - 1] + count) }
    self.offsets = offsets
  }

  /// Row of the previous step's state for step `t` in a `[batch + rows]` state matrix whose
  /// first `batch` rows hold the initial state and whose row `batch + p` is the state after
  /// output row `p`: lane `r` of step `t` continues from `previousStateRow(t) + r`.
  @inline(__always)
  public func previousStateRow(_ t: Int) -> Int { t == 0 ? 0 : batch + offsets[t - 1] }
}
