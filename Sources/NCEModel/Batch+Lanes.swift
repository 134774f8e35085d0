extension Batch {
  /// The sub-batch of lanes `range` (same steps), for splitting a batch across workers.
  public func lanes(_ range: Range<Int>) -> Batch {
    precondition(range.lowerBound >= 0 && range.upperBound <= batchSize && !range.isEmpty)
    let width = range.count
    var inputs = [Int32](repeating: 0, count: steps * width)
    var targets = inputs
    var mask = [Float](repeating: 0, count: steps * width)
    for t in 0..<steps {
      for (j, lane) in range.enumerated() {
        inputs[t * width + j] = self.inputs[t * batchSize + lane]
        targets[t * width + j] = self.targets[t * batchSize + lane]
        mask[t * width + j] = self.mask[t * batchSize + lane]
      }
    }
    return Batch(steps: steps, batchSize: width, inputs: inputs, targets: targets, mask: mask, resetsState: resetsState)
  }
}
