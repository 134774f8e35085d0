import ArgumentParser
import NCEModel
import ToolSupport

/// Data and vocabulary options of `rnnlm-train`.
struct DataOptions: ParsableArguments {
  @Option(help: "Directory with train.txt, valid.txt and test.txt (each may be .zst).")
  var data: String?
  @Option(help: "Training text (overrides --data).")
  var trainText: String?
  @Option(help: "Validation text (overrides --data).")
  var validText: String?
  @Option(help: "Test text (overrides --data); scored with the best model at the end.")
  var testText: String?
  @Option(help: "Words seen fewer times in the training text map to <unk>.")
  var minFreq = 1
  @Option(help: "Vocabulary file: one word per line, optional count; fixes the vocabulary.")
  var vocab: String?
}

/// Architecture options.
struct ArchitectureOptions: ParsableArguments {
  @Option(help: "Word embedding size (input and output).") var emsize = 200
  @Option(help: "Hidden units per recurrent layer.") var nhid = 200
  @Option(help: "Number of recurrent layers.") var nlayers = 2
  @Option(help: "Recurrent cell: lstm or gru.") var cell = CellType.lstm
  @Option(help: "Dropout rate on embeddings and layer outputs.") var dropout: Float = 0.2
  @Flag(help: "Share the input embedding with the output layer.")
  var tieWeights = false
}

/// Criterion options.
struct CriterionOptions: ParsableArguments {
  @Option(help: "Criterion: full (cross-entropy), nce, sampled (importance sampling), mix, self (self-contrast).")
  var loss = LossKind.full
  @Option(help: "Noise samples k per target (nce, sampled, mix).") var noiseRatio = 10
  @Option(help: "lnZ, the log-normalizer of NCE scores: a number or 'auto' (= ln V).")
  var normTerm = "9"
  @Flag(help: "Draw fresh noise for every token instead of one draw shared by the mini-batch.")
  var perWordNoise = false
  @Option(help: "Exponent applied to unigram counts for the noise distribution.") var noisePower = 1.0
  @Flag(help: "Sampled softmax: drop noise samples equal to the target.")
  var removeAccidentalHits = false
  @Option(
    help: ArgumentHelp(
      "Scoring module: none (output layer) or gru (full-NCE: the model's GRU and a scalar regressor score each word; unnormalized scores only, no perplexity).",
      discussion: "gru needs --loss nce --cell gru --nlayers 1 and --emsize equal to --nhid."))
  var indexModule = IndexModuleKind.none
}

/// Optimisation options.
struct OptimizationOptions: ParsableArguments {
  @Option(help: "Initial learning rate.") var lr: Float = 1
  @Option(help: "Divide the learning rate by this when validation PPL does not improve.") var lrDecay: Float = 2
  @Option(help: "L2 weight decay.") var weightDecay: Float = 1e-5
  @Option(help: "SGD momentum (0.9: the SGD Pytorch-NCE's reference figures were trained with).") var momentum: Float =
    0.9
  @Option(help: "Maximum gradient norm (0 = no clipping).") var clip: Float = 0.25
  @Option(help: "Total number of epochs (default 40; on --resume, default: the interrupted run's).") var epochs: Int?
  @Option(help: "Sequences per mini-batch.") var batchSize = 20
  @Option(help: "Maximum steps of back-propagation through time.") var bptt = 35
  @Flag(help: "Treat the corpus as one stream cut into --bptt chunks instead of sentence batches.")
  var concat = false
  @Flag(
    help:
      "Sentence mode: batch sentences of similar length together (less padding, faster, but slower to learn); by default they are batched in shuffled order as Pytorch-NCE does."
  )
  var bucketByLength = false
  @Flag(help: "Carry the hidden state from one batch to the next.")
  var carryState = false
  @Option(help: "Random seed.") var seed: UInt64 = 1
  @Option(
    help:
      "In a log (stderr not a terminal), also a progress line every N batches; 0: by time only (--progress-interval).")
  var logInterval = 0

  /// The trainer's options (`threads` from the command).
  func trainingOptions(threads: Int) -> TrainingOptions {
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
    options.threads = threads
    return options
  }
}

extension RNNLMTrain {
  /// The library's request from the parsed options.
  var request: TrainingRequest {
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
    request.options = optimization.trainingOptions(threads: threads)
    request.epochs = optimization.epochs
    request.givenOptions = GivenOptions.all
    request.resume = resume
    return request
  }
}

extension CellType: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {}
extension IndexModuleKind: ExpressibleByArgument {}
