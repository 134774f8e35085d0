import NCECore

/// Optimisation settings of `rnnlm-train` (Pytorch-NCE's names and defaults for PTB).
public struct TrainingOptions: Codable, Sendable, Equatable {
  public var learningRate: Float = 1
  /// Divide the learning rate by this whenever validation perplexity does not improve.
  public var learningRateDecay: Float = 2
  public var weightDecay: Float = 1e-5
  /// Pytorch-NCE's reference figures were trained with `optim.SGD(momentum=0.9)`.
  public var momentum: Float = 0.9
  /// Maximum joint L2 norm of the gradient (0 = no clipping).
  public var clip: Float = 0.25
  /// The total number of epochs of the run (a resumed run counts the epochs already done).
  public var epochs = 40
  public var batchSize = 20
  public var bptt = 35
  public var concat = false
  /// Sentence mode: group sentences of similar length into a batch (less padding, faster)
  /// instead of batching them in shuffled order as Pytorch-NCE does. Off by default: on PTB,
  /// NCE k=100 epoch-1 validation perplexity is 248 shuffled versus 271 bucketed.
  public var bucketByLength = false
  public var carryState = false
  public var seed: UInt64 = 1
  /// Batches between progress lines.
  public var logInterval = 0
  /// Cores for validation scoring.
  public var threads = 1
  /// Times a diverged epoch is retried with half the learning rate before training stops.
  public var maxDivergenceRetries = 3
  /// Learning rate of the direct features (`--direct-lr`), divided by `learningRateDecay`
  /// together with `learningRate`. The table is updated by plain SGD on the batch-mean gradient,
  /// so it needs a much larger rate than the network's momentum SGD: on PTB (NCE k=100, one
  /// epoch, docs/recipes.md) 1 gains nothing, 10 and 20 lower the validation PPL, 50 diverges.
  public var directLearningRate: Float = 20

  /// The `--direct-lr` a run gets when none is given: 20, scaled by `k / 100` for fewer than 100
  /// noise samples drawn once per batch (`nce`, `sampled`, `mix` without `--per-word-noise`).
  /// Every row of the batch then pushes the features of the same `k` noise words, each by about
  /// `p / (k q)`, so one batch's step on those weights grows as `1 / k`: on PTB a 1x200 GRU with
  /// NCE k=20 diverged at 20 and trained well at 4 and 5 (docs/direct-features.md).
  public static func defaultDirectLearningRate(for model: ModelConfig) -> Float {
    guard model.loss.usesNoise && !model.perWordNoise && model.noiseRatio < 100 else { return 20 }
    return 20 * Float(model.noiseRatio) / 100
  }
  /// L2 of the direct features (`--direct-l2`), applied to the touched weights at each update.
  public var directL2: Float = 1e-6

  public init() {}

  /// Range checks with messages naming the option; also applied to the options a `--resume`
  /// reads back from a checkpoint.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw ModelConfigError(message: message) } }
    try check(learningRate.isFinite && learningRate > 0, "--lr must be a positive number, got \(learningRate)")
    try check(
      learningRateDecay.isFinite && learningRateDecay >= 1, "--lr-decay must be a number >= 1, got \(learningRateDecay)"
    )
    try check(weightDecay.isFinite && weightDecay >= 0, "--weight-decay must be a number >= 0, got \(weightDecay)")
    try check(momentum.isFinite && momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got \(momentum)")
    try check(clip.isFinite && clip >= 0, "--clip must be a number >= 0 (0 = no clipping), got \(clip)")
    try check(epochs >= 1, "--epochs must be at least 1, got \(epochs)")
    try check(batchSize >= 1 && bptt >= 1, "--batch-size and --bptt must be positive")
    try check(logInterval >= 0, "--log-interval must be at least 0")
    try check(threads >= 1, "--threads must be at least 1")
    try check(maxDivergenceRetries >= 0, "the number of divergence retries must not be negative")
    try check(
      directLearningRate.isFinite && directLearningRate > 0,
      "--direct-lr must be a positive number, got \(directLearningRate)")
    try check(directL2.isFinite && directL2 >= 0, "--direct-l2 must be a number >= 0, got \(directL2)")
  }

  enum CodingKeys: String, CodingKey {
    case learningRate, learningRateDecay, weightDecay, momentum, clip, epochs, batchSize, bptt, concat, bucketByLength
    case carryState, seed, logInterval, threads, maxDivergenceRetries, directLearningRate, directL2
  }

  /// Files written before an option existed decode with its default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = TrainingOptions()
    func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: key) ?? fallback
    }
    learningRate = try value(.learningRate, defaults.learningRate)
    learningRateDecay = try value(.learningRateDecay, defaults.learningRateDecay)
    weightDecay = try value(.weightDecay, defaults.weightDecay)
    momentum = try value(.momentum, defaults.momentum)
    clip = try value(.clip, defaults.clip)
    epochs = try value(.epochs, defaults.epochs)
    batchSize = try value(.batchSize, defaults.batchSize)
    bptt = try value(.bptt, defaults.bptt)
    concat = try value(.concat, defaults.concat)
    bucketByLength = try value(.bucketByLength, defaults.bucketByLength)
    carryState = try value(.carryState, defaults.carryState)
    seed = try value(.seed, defaults.seed)
    logInterval = try value(.logInterval, defaults.logInterval)
    threads = try value(.threads, defaults.threads)
    maxDivergenceRetries = try value(.maxDivergenceRetries, defaults.maxDivergenceRetries)
    directLearningRate = try value(.directLearningRate, defaults.directLearningRate)
    directL2 = try value(.directL2, defaults.directL2)
  }
}

/// One line of the training history.
public struct EpochRecord: Codable, Sendable, Equatable {
  public var epoch: Int
  public var learningRate: Float
  /// Mean training loss per real token (the criterion's loss, nats).
  public var trainLoss: Double
  public var validPerplexity: Double?
  public var seconds: Double
  public var tokensPerSecond: Double
  /// Mean unnormalized validation cost per token (nats), for models whose perplexity is
  /// undefined (GRU index module); nil otherwise.
  public var validUnnormalizedCost: Double? = nil
}

/// Where training stands: enough to continue exactly (`--resume`).
public struct TrainingState: Codable, Sendable, Equatable {
  /// The epoch in progress (1-based); equals `options.epochs + 1` when training has finished.
  public var epoch = 1
  /// Batches of `epoch` already trained (0 at an epoch boundary).
  public var batchesDone = 0
  public var learningRate: Float
  public var bestValidPerplexity: Double?
  /// Best `EpochRecord.validUnnormalizedCost` (index-module models, which have no perplexity).
  public var bestValidUnnormalizedCost: Double?
  public var history: [EpochRecord] = []
  /// Generator state at the start of `epoch`: it fixes that epoch's batch order.
  public var epochGeneratorState: [UInt64]
  /// Generator state after `batchesDone` batches (dropout and noise draws).
  public var generatorState: [UInt64]
  /// Loss summed over the batches of the epoch done so far, and their tokens.
  public var partialLoss = 0.0
  public var partialTokens = 0

  public init(options: TrainingOptions) {
    learningRate = options.learningRate
    let start = SeededGenerator(seed: options.seed &+ 0x5EED)
    epochGeneratorState = start.stateWords
    generatorState = start.stateWords
  }
}
