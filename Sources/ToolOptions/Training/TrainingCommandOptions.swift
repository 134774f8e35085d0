import ArgumentParser
import NCEModel
import ToolSupport

/// Data and vocabulary options of `rnnlm-train`.
public struct DataOptions: ParsableArguments {
  public init() {}
  @Option(help: "Directory with train.txt, valid.txt and test.txt (each may be .zst).")
  public var data: String?
  @Option(help: "Training text (overrides --data).")
  public var trainText: String?
  @Option(help: "Validation text (overrides --data).")
  public var validText: String?
  @Option(help: "Test text (overrides --data); scored with the best model at the end.")
  public var testText: String?
  @Option(help: "Words seen fewer times in the training text map to <unk>.")
  public var minFreq = 1
  @Option(help: "Vocabulary file: one word per line, optional count; fixes the vocabulary.")
  public var vocab: String?
}

/// Architecture options.
public struct ArchitectureOptions: ParsableArguments {
  public init() {}
  @Option(help: "Word embedding size (input and output).") public var emsize = 200
  @Option(help: "Hidden units per recurrent layer.") public var nhid = 200
  @Option(help: "Number of recurrent layers.") public var nlayers = 2
  @Option(help: "Recurrent cell: lstm or gru.") public var cell = CellType.lstm
  @Option(help: "Dropout rate on embeddings and layer outputs.") public var dropout: Float = 0.2
  @Flag(help: "Share the input embedding with the output layer.")
  public var tieWeights = false
}

/// Criterion options.
public struct CriterionOptions: ParsableArguments {
  public init() {}
  @Option(help: "Criterion: full (cross-entropy), nce, sampled (importance sampling), mix, self (self-contrast).")
  public var loss = LossKind.full
  @Option(help: "Noise samples k per target (nce, sampled, mix).") public var noiseRatio = 10
  @Option(help: "lnZ, the log-normalizer of NCE scores: a number or 'auto' (= ln V).")
  public var normTerm = "9"
  @Flag(help: "Draw fresh noise for every token instead of one draw shared by the mini-batch.")
  public var perWordNoise = false
  @Option(help: "Exponent applied to unigram counts for the noise distribution.") public var noisePower = 1.0
  @Flag(help: "Sampled softmax: drop noise samples equal to the target.")
  public var removeAccidentalHits = false
  @Option(
    help: ArgumentHelp(
      "Scoring module: none (output layer) or gru (full-NCE: the model's GRU and a scalar regressor score each word; unnormalized scores only, no perplexity).",
      discussion: "gru needs --loss nce --cell gru --nlayers 1 and --emsize equal to --nhid."))
  public var indexModule = IndexModuleKind.none
  @Option(
    help: ArgumentHelp(
      "Direct n-gram (maximum-entropy) features: a hashed table of SIZE x 10^6 weights added to the output scores (faster-rnnlm's -direct); 0: none.",
      valueName: "SIZE"))
  public var direct: Double = 0
  @Option(help: "Highest n-gram order of the direct features, unigram included (default 3).")
  public var directOrder: Int?

  /// The direct features' settings (nil without `--direct`).
  var directConfig: DirectFeatureConfig? {
    direct > 0 ? DirectFeatureConfig(tableSize: Int((direct * 1e6).rounded()), order: directOrder ?? 3) : nil
  }
}

/// Optimisation options.
public struct OptimizationOptions: ParsableArguments {
  public init() {}
  @Option(help: "Initial learning rate.") public var lr: Float = 1
  @Option(help: "Divide the learning rate by this when validation PPL does not improve.") public var lrDecay: Float = 2
  @Option(help: "L2 weight decay.") public var weightDecay: Float = 1e-5
  @Option(
    help:
      "Learning rate of the direct features (plain SGD on the table); decays with --lr. Default 20, or 20*k/100 for k < 100 noise samples shared by the batch."
  )
  public var directLr: Float?
  @Option(help: "L2 of the direct features, applied to the weights each update touches (default 1e-6).")
  public var directL2: Float?
  @Option(help: "SGD momentum (0.9: the SGD Pytorch-NCE's reference figures were trained with).") public var momentum:
    Float =
      0.9
  @Option(help: "Maximum gradient norm (0 = no clipping).") public var clip: Float = 0.25
  @Option(help: "Total number of epochs (default 40; on --resume, default: the interrupted run's).") public var epochs:
    Int?
  @Option(help: "Sequences per mini-batch.") public var batchSize = 20
  @Option(help: "Maximum steps of back-propagation through time.") public var bptt = 35
  @Flag(help: "Treat the corpus as one stream cut into --bptt chunks instead of sentence batches.")
  public var concat = false
  @Flag(
    help:
      "Sentence mode: batch sentences of similar length together (less padding, faster, but slower to learn); by default they are batched in shuffled order as Pytorch-NCE does."
  )
  public var bucketByLength = false
  @Flag(help: "Carry the hidden state from one batch to the next.")
  public var carryState = false
  @Option(help: "Random seed.") public var seed: UInt64 = 1
  @Option(
    help:
      "In a log (stderr not a terminal), also a progress line every N batches; 0: by time only (--progress-interval).")
  public var logInterval = 0

  /// The trainer's options (`threads` from the command).
  public func trainingOptions(threads: Int) -> TrainingOptions {
    var options = TrainingOptions()
    options.learningRate = lr
    options.learningRateDecay = lrDecay
    options.weightDecay = weightDecay
    options.momentum = momentum
    options.clip = clip
    options.epochs = epochs ?? options.epochs
    options.batchSize = batchSize
    options.bptt = bptt
    options.concat = concat
    options.bucketByLength = bucketByLength
    options.carryState = carryState
    options.seed = seed
    options.logInterval = logInterval
    options.directLearningRate = directLr ?? options.directLearningRate
    options.directL2 = directL2 ?? options.directL2
    options.threads = threads
    return options
  }
}

/// Every option of `rnnlm-train` and the library request they make.
public struct TrainingCommandLine: ParsableArguments {
  public init() {}

  @OptionGroup(title: "Data") public var dataOptions: DataOptions
  @OptionGroup(title: "Model") public var architecture: ArchitectureOptions
  @OptionGroup(title: "Criterion") public var criterionOptions: CriterionOptions
  @OptionGroup(title: "Optimisation") public var optimization: OptimizationOptions

  @Option(help: "Model file to write (the best model); the latest state goes to <save>.last.")
  public var save = "rnnlm.mdl"
  @Flag(
    help: "Continue training from <save>.last (texts and options are taken from that file; --epochs sets the total).")
  public var resume = false
  @Option(help: "Cores: data-parallel training workers and evaluation threads.")
  public var threads = 1

  public func validate() throws {
    if dataOptions.data == nil && dataOptions.trainText == nil && !resume {
      throw ValidationError("give --data DIR or --train-text FILE")
    }
    if dataOptions.minFreq < 1 { throw ValidationError("--min-freq must be at least 1") }
    do { try optimization.trainingOptions(threads: threads).validate() } catch let error as ModelConfigError {
      throw ValidationError(error.message)
    }
    let direct = criterionOptions.direct
    if !(direct.isFinite && direct >= 0 && direct <= 1e6) {
      throw ValidationError("--direct must be a number of millions of weights in [0, 1e6], got \(direct)")
    }
    if direct == 0 && !resume
      && (criterionOptions.directOrder != nil || optimization.directLr != nil || optimization.directL2 != nil)
    {
      throw ValidationError("--direct-order, --direct-lr and --direct-l2 set the direct features: give --direct SIZE")
    }
    if direct > 0 && criterionOptions.indexModule == .gru {
      throw ValidationError(
        "--direct adds to the output layer's scores; --index-module gru scores words with its own GRU and has no output layer"
      )
    }
    if NormTermSetting(criterionOptions.normTerm) == nil {
      throw ValidationError("--norm-term must be a number or 'auto', got '\(criterionOptions.normTerm)'")
    }
  }

  /// The library's request from the parsed options (`givenOptions` from `GivenOptions`).
  public var request: TrainingRequest {
    var request = TrainingRequest(savePath: save)
    let d = dataOptions
    let a = architecture
    let c = criterionOptions
    request.dataDirectory = d.data
    request.trainText = d.trainText
    request.validText = d.validText
    request.testText = d.testText
    request.vocabularyFile = d.vocab
    request.minFrequency = d.minFreq
    request.model.embeddingSize = a.emsize
    request.model.hiddenSize = a.nhid
    request.model.layers = a.nlayers
    request.model.cell = a.cell
    request.model.dropout = a.dropout
    request.model.tieWeights = a.tieWeights
    request.model.loss = c.loss
    request.model.noiseRatio = c.noiseRatio
    request.normTerm = NormTermSetting(c.normTerm) ?? .auto
    request.model.perWordNoise = c.perWordNoise
    request.model.noisePower = c.noisePower
    request.model.removeAccidentalHits = c.removeAccidentalHits
    request.model.indexModule = c.indexModule
    request.model.direct = c.directConfig
    request.options = optimization.trainingOptions(threads: threads)
    if optimization.directLr == nil {
      request.options.directLearningRate = TrainingOptions.defaultDirectLearningRate(for: request.model)
    }
    request.epochs = optimization.epochs
    request.givenOptions = GivenOptions.all
    request.resume = resume
    return request
  }
}

extension CellType: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {}
extension IndexModuleKind: ExpressibleByArgument {}
