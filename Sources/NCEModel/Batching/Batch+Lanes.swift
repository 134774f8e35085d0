extension Batch {
  /// The sub-batch of the given lanes (in that order), for splitting a batch across workers.
  /// Trailing steps where none of them has a real token are dropped.
  public func lanes(_ selection: [Int]) -> Batch {
    precondition(!selection.isEmpty && selection.allSatisfy { (0..<batchSize).contains($0) })
    let width = selection.count
    var used = 0
    for t in 0..<steps where selection.contains(where: { self.mask[t * batchSize + $0] != 0 }) { used = t + 1 }
    let kept = max(used, 1)
    var inputs = [Int32](repeating: 0, count: kept * width)
    var targets = inputs
    var mask = [Float](repeating: 0, count: kept * width)
    for t in 0..<kept {
      for (j, lane) in selection.enumerated() {
        inputs[t * width + j] = self.inputs[t * batchSize + lane]
        targets[t * width + j] = self.targets[t * batchSize + lane]
        mask[t * width + j] = self.mask[t * batchSize + lane]
      }
    }
    return Batch(steps: kept, batchSize: width, inputs: inputs, targets: targets, mask: mask, resetsState: resetsState)
  }

  /// Real tokens of each lane.
  public var laneTokenCounts: [Int] {
    var counts = [Int](repeating: 0, count: batchSize)
    for p in realPositions { counts[Int(p) % batchSize] += 1 }
    return counts
  }

  /// The lanes of each of `workers` data-parallel workers (`1...batchSize`), each list ascending,
  /// balanced by real token count: lanes, most tokens first (ties: lower lane first), go one by
  /// one to the worker with the fewest tokens so far (ties: fewer lanes, then lower worker).
  /// Every worker gets at least one lane, and the worker with the most tokens has at most one
  /// lane's more than the one with the fewest. Longest-first sentence batches put the longest lanes
  /// first, so each share keeps the prefix layout; lanes of equal length (concatenated streams)
  /// are dealt out in turn. Deterministic: a function of the mask only.
  public func balancedLaneSelections(workers: Int) -> [[Int]] {
    precondition((1...batchSize).contains(workers), "workers must be in 1...batchSize")
    let counts = laneTokenCounts
    let order = (0..<batchSize).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
    var selections = [[Int]](repeating: [], count: workers)
    var tokens = [Int](repeating: 0, count: workers)
    for lane in order {
      var best = 0
      for w in 1..<workers
      where tokens[w] < tokens[best] || (tokens[w] == tokens[best] && selections[w].count < selections[best].count) {
        best = w
      }
      selections[best].append(lane)
      tokens[best] += counts[lane]
    }
    return selections.map { $0.sorted() }
  }

  /// The sub-batches of `balancedLaneSelections(workers:)`, one per worker.
  public func balancedShares(workers: Int) -> [Batch] {
    balancedLaneSelections(workers: workers).map(lanes)
  }
}
