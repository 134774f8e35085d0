import NCECore

extension TrainingState {
  /// Range checks of a state read back from a file, before any of it is used: counters in
  /// range and consistent with each other and with `options`, generator states of four words
  /// (not all zero: xoshiro256 would then draw zeros forever), finite figures. The error names
  /// the field. The bound of `batchesDone` by the batches of an epoch needs the training text:
  /// `Trainer.checkResumable()` checks it.
  public func validate(options: TrainingOptions) throws {
    func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
      if !ok { throw ModelConfigError(message: "training state: " + message()) }
    }
    try check(epoch >= 1 && epoch <= options.epochs + 1, "epoch \(epoch) is outside 1...\(options.epochs + 1)")
    try check(batchesDone >= 0, "batchesDone \(batchesDone) is negative")
    try check(learningRate.isFinite && learningRate > 0, "learningRate \(learningRate) is not a positive number")
    try check(
      history.count == epoch - 1, "history has \(history.count) epochs, expected \(epoch - 1) before epoch \(epoch)")
    for (index, record) in history.enumerated() {
      try check(record.epoch == index + 1, "history entry \(index + 1) is for epoch \(record.epoch)")
      try check(
        record.learningRate.isFinite && record.learningRate > 0,
        "history epoch \(record.epoch): learningRate \(record.learningRate)")
    }
    for (name, words) in [("epochGeneratorState", epochGeneratorState), ("generatorState", generatorState)] {
      try check(words.count == 4, "\(name) has \(words.count) words, expected 4")
      try check(words.contains { $0 != 0 }, "\(name) is all zero")
    }
    try check(partialLoss.isFinite && partialLoss >= 0, "partialLoss \(partialLoss) is not a finite number >= 0")
    try check(partialTokens >= 0, "partialTokens \(partialTokens) is negative")
    try check(
      batchesDone > 0 || (partialTokens == 0 && partialLoss == 0), "partialTokens \(partialTokens) with batchesDone 0")
    if let best = bestValidPerplexity {
      try check(best.isFinite && best >= 1, "bestValidPerplexity \(best) is not a perplexity")
    }
    if let best = bestValidUnnormalizedCost {
      try check(best.isFinite, "bestValidUnnormalizedCost \(best) is not finite")
    }
  }
}
