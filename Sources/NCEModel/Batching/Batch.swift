/// One mini-batch, time-major: position p = t * batchSize + b.
///
/// Lane `b` at step `t` reads `inputs[p]` and must predict `targets[p]`. Padding positions hold
/// `eosID` in both arrays and `mask` 0; they are never real targets. `realPositions` lists the
/// positions with mask 1 in ascending order and `realTargets` their targets, so a loss can be
/// computed over real tokens only (`realPositions.count` is the token count of the batch).
public struct Batch: Sendable, Equatable {
  public var steps: Int
  public var batchSize: Int
  /// `steps * batchSize` input ids; padding = eosID.
  public var inputs: [Int32]
  /// `steps * batchSize` target ids; padding = eosID.
  public var targets: [Int32]
  /// `steps * batchSize` weights: 1 real, 0 padding.
  public var mask: [Float]
  /// Indices p with mask 1, ascending.
  public var realPositions: [Int32]
  /// Targets at realPositions.
  public var realTargets: [Int32]
  /// Inputs at realPositions: with `packedLayout`, the packed input sequence.
  public var realInputs: [Int32]
  /// False when hidden state continues from the previous batch (same lanes, same batchSize).
  public var resetsState: Bool
  /// When the real positions of every step are a prefix of the lanes (lanes sorted by
  /// decreasing length): the number of real lanes at each step. Recurrent layers then compute
  /// only those rows. Nil when some step has padding before a real lane.
  public var activeLanes: [Int32]?

  /// Derives `realPositions` and `realTargets` from `mask`.
  public init(
    steps: Int, batchSize: Int, inputs: [Int32], targets: [Int32], mask: [Float], resetsState: Bool
  ) {
    let size = steps * batchSize
    precondition(inputs.count == size && targets.count == size && mask.count == size)
    var positions: [Int32] = []
    var real: [Int32] = []
    var realInputs: [Int32] = []
    positions.reserveCapacity(size)
    real.reserveCapacity(size)
    realInputs.reserveCapacity(size)
    for p in 0..<size where mask[p] != 0 {
      positions.append(Int32(p))
      real.append(targets[p])
      realInputs.append(inputs[p])
    }
    self.steps = steps
    self.batchSize = batchSize
    self.inputs = inputs
    self.targets = targets
    self.mask = mask
    self.realPositions = positions
    self.realTargets = real
    self.realInputs = realInputs
    self.resetsState = resetsState
    self.activeLanes = Self.prefixActiveLanes(mask: mask, steps: steps, batchSize: batchSize)
  }

  /// Real lanes per step if they form a prefix at every step and never grow (a lane, once
  /// finished, stays finished), else nil.
  static func prefixActiveLanes(mask: [Float], steps: Int, batchSize: Int) -> [Int32]? {
    var active = [Int32](repeating: 0, count: steps)
    for t in 0..<steps {
      var count = 0
      while count < batchSize && mask[t * batchSize + count] != 0 { count += 1 }
      for b in count..<batchSize where mask[t * batchSize + b] != 0 { return nil }
      if t > 0 && count > Int(active[t - 1]) { return nil }
      active[t] = Int32(count)
    }
    return active
  }

  /// The packed layout of the real positions (in `realPositions` order) when `activeLanes`
  /// exists: the recurrent layers then run on real tokens only.
  public var packedLayout: StepLayout? {
    activeLanes.map { StepLayout(batch: batchSize, activeLanes: $0) }
  }

  /// Number of real (predicted) tokens.
  public var tokenCount: Int { realPositions.count }
}
