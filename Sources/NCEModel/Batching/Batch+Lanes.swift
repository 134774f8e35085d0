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

  /// Share `worker` of `workers`: every `workers`-th lane starting at `worker`. Sentence
  /// batches sort lanes longest-first, so interleaving gives every worker about the same
  /// number of tokens (contiguous halves would give the first worker the long sentences).
  public func interleavedShare(_ worker: Int, of workers: Int) -> Batch {
    lanes(Array(stride(from: worker, to: batchSize, by: workers)))
  }
}
