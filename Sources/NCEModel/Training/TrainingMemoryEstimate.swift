import Foundation

/// A lower bound of the memory a training run needs, from the sizes in its options alone, so
/// that absurd values (`--nhid 100000000`, `--batch-size 100000000000`, `--noise-ratio
/// 100000000`) are refused with a clear message before anything is allocated, instead of
/// crashing or swapping. Counted: the parameters with their gradients and momentum, each
/// further worker's gradients (its replica reads the model's weights), the copies of the weights,
/// momentum and direct table that a divergence rolls back to, and one output block and the recurrent gates for the rows
/// of a batch. Real use needs more; the bound only catches options that cannot fit.
public struct TrainingMemoryEstimate: Sendable {
  /// Parameter count (embedding, recurrent layers, output layer, direct features).
  public var parameters: Double
  /// Lower bound in bytes.
  public var bytes: Double

  /// `train`: the training text, whose mean sentence length gives the rows per stream of a
  /// batch in sentence mode (`bptt` with `--concat`) and whose size bounds a batch.
  public init(config: ModelConfig, options: TrainingOptions, train: Corpus) {
    let v = Double(config.vocabularySize)
    let e = Double(config.embeddingSize)
    let h = Double(config.hiddenSize)
    let gates: Double = config.cell == .lstm ? 4 : 3
    var p = v * e
    for layer in 0..<config.layers { p += gates * h * ((layer == 0 ? e : h) + h) }
    if !config.usesIndexGRU { p += (config.tieWeights ? 0 : v * h) + v }
    // Direct features: one table shared by the workers, one gradient per worker, no momentum,
    // and the table's copy at the start of each epoch that a divergence rolls back to.
    let directWeights = Double(config.direct?.tableSize ?? 0)
    p += directWeights
    parameters = p
    let workers = Double(max(1, options.threads))
    let tokens = Double(train.predictionCount)
    let tokensPerSentence = tokens / Double(max(1, train.sentenceCount))
    let rows = min(tokens, Double(options.batchSize) * (options.concat ? Double(options.bptt) : tokensPerSentence))
    let outputColumns: Double
    switch config.loss {
    case .full: outputColumns = v
    case .self: outputColumns = rows
    case .nce, .sampled, .mix: outputColumns = Double(config.noiseRatio)
    }
    let activations = rows * (outputColumns + Double(config.layers) * gates * h)
    // The epoch-start copies (divergence rollback): weights and momentum, and the direct table.
    let rollback: Double = options.maxDivergenceRetries > 0 ? 1 : 0
    bytes =
      4 * ((p - directWeights) * (3 + (workers - 1) + 2 * rollback) + activations) + 4 * directWeights
      * (1 + workers + rollback)
  }

  /// Throws when the bound exceeds `available` bytes, naming the options to reduce.
  public func check(available: Double) throws {
    guard bytes > available else { return }
    func gigabytes(_ value: Double) -> String { String(format: "%.1f GB", value / 1e9) }
    throw ModelConfigError(
      message:
        "these options need at least \(gigabytes(bytes)) of memory (\(String(format: "%.3g", parameters)) parameters with gradients, momentum, each further worker's gradients and the copies a divergence rolls back to, and the activations of one batch), this machine has \(gigabytes(available)): reduce --nhid, --emsize, --batch-size, --noise-ratio, --direct or --threads"
    )
  }
}
