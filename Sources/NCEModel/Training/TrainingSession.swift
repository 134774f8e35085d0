import FileIO
import Foundation
import NCECore

/// A training run set up from a `TrainingRequest`: texts, vocabulary, model, criterion and
/// trainer, either new or continued from `<save>.last`, with its checkpoints written by `run`.
///
/// Everything that can be refused is refused in `prepare`, before any training: an output
/// that is an input, an output that cannot be written, an unreadable or empty text, options
/// out of range or that cannot fit in memory, a checkpoint that fails its checks, a text that
/// is not the one the checkpoint was trained on.
public final class TrainingSession {
  public let request: TrainingRequest
  public let vocabulary: Vocabulary
  public let trainer: Trainer
  /// The texts, with their fingerprints, as every checkpoint of this run records them.
  public let texts: TrainingTexts?
  public let test: Corpus?
  /// Whether the run continues from `request.lastPath`.
  public let isResumed: Bool

  init(
    request: TrainingRequest, vocabulary: Vocabulary, trainer: Trainer, texts: TrainingTexts?, test: Corpus?,
    isResumed: Bool
  ) {
    self.request = request
    self.vocabulary = vocabulary
    self.trainer = trainer
    self.texts = texts
    self.test = test
    self.isResumed = isResumed
    guard let savePath = request.savePath, let lastPath = request.lastPath else { return }
    trainer.checkpoint = { [unowned self] trainer, isBest in
      let file = ModelFile(
        model: trainer.model, vocabulary: self.vocabulary, options: trainer.options, state: trainer.state,
        momentum: trainer.optimizer.buffers, texts: self.texts)
      let encoded = try file.encoded(threads: trainer.options.threads)
      try encoded.write(to: lastPath)
      // The best model is the same file: linked, not written again (400 MB with direct features).
      if isBest, try !AtomicFileWriter.publishLink(to: lastPath, at: savePath) { try encoded.write(to: savePath) }
    }
  }

  /// Builds the run. `info` receives log lines (what was read, where a resumed run continues).
  /// Errors are `InputError`s naming the file at fault (usage-level checks of the options
  /// themselves are `TrainingOptions.validate()` and `ModelConfig.validate()`).
  public static func prepare(_ request: TrainingRequest, info: (String) -> Void = { _ in }) throws -> TrainingSession {
    request.resume ? try resume(request, info: info) : try start(request, info: info)
  }

  /// A new run.
  static func start(_ request: TrainingRequest, info: (String) -> Void) throws -> TrainingSession {
    guard request.savePath != nil else { throw InputError("a run from files needs a model file to write (--save)") }
    guard let trainPath = request.path(request.trainText, "train.txt") else {
      throw InputError("no training text: give a data directory or a training text")
    }
    let validPath = request.path(request.validText, "valid.txt")
    let testPath = request.path(request.testText, "test.txt")
    try checkOutputs(
      request,
      inputs: [
        (trainPath, "training text"), (validPath, "validation text"), (testPath, "test text"),
        (request.vocabularyFile, "vocabulary"),
      ])
    var vocabulary: Vocabulary
    if let vocabularyFile = request.vocabularyFile {
      vocabulary = try Vocabulary.load(path: vocabularyFile)
      try vocabulary.setCounts(fromTrainingText: trainPath)
    } else {
      vocabulary = try Vocabulary.build(trainingText: trainPath, minFreq: request.minFrequency)
    }
    let train = try Corpus(path: trainPath, vocabulary: vocabulary)
    let valid = try validPath.map { try Corpus(path: $0, vocabulary: vocabulary) }
    let test = try testPath.map { try Corpus(path: $0, vocabulary: vocabulary) }
    info(
      "vocabulary \(vocabulary.count) words; training text \(train.sentenceCount) sentences, \(train.tokenCount) words, \(train.oovCount) mapped to <unk>"
    )
    let texts = TrainingTexts(
      train: RecordedText(path: trainPath, corpus: train),
      valid: validPath.map { RecordedText(path: $0, corpus: valid!) },
      test: testPath.map { RecordedText(path: $0, corpus: test!) })
    return try prepare(request, vocabulary: vocabulary, train: train, valid: valid, test: test, texts: texts)
  }

  /// A new run on corpora already in memory (benchmarks, tests): the same set-up as a run from
  /// files (configuration, option and memory checks, model, criterion, output-bias
  /// initialisation) without reading texts; `texts` is what checkpoints record.
  public static func prepare(
    _ request: TrainingRequest, vocabulary: Vocabulary, train: Corpus, valid: Corpus?, test: Corpus?,
    texts: TrainingTexts? = nil
  ) throws -> TrainingSession {
    guard train.sentenceCount > 0 else { throw InputError("no sentences in the training text") }
    var config = request.model
    config.vocabularySize = vocabulary.count
    config.normTerm = request.normTerm.value(vocabularySize: vocabulary.count)
    do { try config.validate() } catch let error as ModelConfigError { throw InputError(error.message) }
    var options = request.options
    if let epochs = request.epochs { options.epochs = epochs }
    do { try options.validate() } catch let error as ModelConfigError { throw InputError(error.message) }
    try checkMemory(config, options, train, available: request.availableMemory)

    var generator = SeededGenerator(seed: options.seed)
    let model = RNNLanguageModel(config: config, using: &generator)
    let criterion = try makeCriterion(model, vocabulary, file: nil)
    try CriterionFactory.initializeOutputBias(of: model, vocabulary: vocabulary)
    let trainer = Trainer(model: model, criterion: criterion, options: options, train: train, valid: valid)
    return TrainingSession(
      request: request, vocabulary: vocabulary, trainer: trainer, texts: texts, test: test, isResumed: false)
  }

  /// A run continued from `request.lastPath`: each text is the one given, else the one the
  /// checkpoint recorded, and must have the recorded fingerprint.
  static func resume(_ request: TrainingRequest, info: (String) -> Void) throws -> TrainingSession {
    guard let last = request.lastPath else { throw InputError("--resume needs the model file (--save) of the run") }
    let file = try ModelFile.read(path: last)
    guard var options = file.options, let state = file.state else {
      throw InputError("holds no training state (it was not written by rnnlm-train)", file: last)
    }
    let recorded = file.texts
    guard let trainPath = request.path(request.trainText, "train.txt") ?? recorded?.train.path else {
      throw InputError(
        "records no training text (an older checkpoint): give the run's data directory or training text", file: last)
    }
    try request.checkResumable(
      options: options, model: file.model.config, vocabulary: file.vocabulary, trainingText: trainPath, file: last)
    let validPath = request.path(request.validText, "valid.txt") ?? recorded?.valid?.path
    let testPath = request.path(request.testText, "test.txt") ?? recorded?.test?.path
    try checkOutputs(
      request, inputs: [(trainPath, "training text"), (validPath, "validation text"), (testPath, "test text")])

    let done = state.epoch - 1
    if let epochs = request.epochs {
      if epochs < done { info("training already has \(done) epochs, more than --epochs \(epochs): nothing to train") }
      options.epochs = max(epochs, done)
    }
    options.threads = request.options.threads
    do { try options.validate() } catch let error as ModelConfigError {
      throw InputError("training options: \(error.message)", file: last)
    }
    func load(_ path: String, _ role: String, _ recorded: RecordedText?) throws -> Corpus {
      let corpus = try Corpus(path: path, vocabulary: file.vocabulary)
      let now = TextFingerprint(corpus: corpus)
      if let recorded, recorded.fingerprint != now {
        throw InputError(
          "this \(role) is not '\(recorded.path)', the one \(last) was trained on (\(now) here, \(recorded.fingerprint) there): resume with that text, or train a new model",
          file: path)
      }
      return corpus
    }
    let train = try load(trainPath, "training text", recorded?.train)
    let valid = try validPath.map { try load($0, "validation text", recorded?.valid) }
    let test = try testPath.map { try load($0, "test text", recorded?.test) }
    try checkMemory(file.model.config, options, train, available: request.availableMemory)
    let criterion = try makeCriterion(file.model, file.vocabulary, file: last)
    let trainer = Trainer(
      model: file.model, criterion: criterion, options: options, train: train, valid: valid, state: state,
      momentum: file.momentum)
    let batches: Int
    do { batches = try trainer.batchesPerEpoch() } catch let error as ModelConfigError {
      throw InputError("training options: \(error.message)", file: last)
    }
    guard state.batchesDone <= batches else {
      throw InputError(
        "training state: batchesDone \(state.batchesDone) of epoch \(state.epoch) exceeds the \(batches) batches per epoch of the training text '\(trainPath)'",
        file: last)
    }
    info(
      "resuming epoch \(state.epoch) batch \(state.batchesDone) at lr \(state.learningRate) of \(options.epochs) epochs"
    )
    let texts = TrainingTexts(
      train: RecordedText(path: trainPath, corpus: train),
      valid: validPath.map { RecordedText(path: $0, corpus: valid!) },
      test: testPath.map { RecordedText(path: $0, corpus: test!) })
    return TrainingSession(
      request: request, vocabulary: file.vocabulary, trainer: trainer, texts: texts, test: test, isResumed: true)
  }

  /// Refuses, before any work, an output that is one of `inputs` and an output that cannot be
  /// written (`<save>.last` first: the first file a run writes).
  static func checkOutputs(_ request: TrainingRequest, inputs: [(String?, String)]) throws {
    let outputs = [request.lastPath, request.savePath].compactMap { $0 }
    try OutputOverlap.refuse(
      outputs: outputs, inputs: inputs.compactMap { path, name in path.map { OutputOverlap.Input($0, name: name) } })
    try OutputProbe.checkWritable(outputs)
  }

  /// Refuses options that cannot work or whose memory cannot fit, before the model and its
  /// workers are allocated.
  static func checkMemory(_ config: ModelConfig, _ options: TrainingOptions, _ train: Corpus, available: Double?) throws
  {
    if options.threads > options.batchSize {
      throw InputError(
        "--threads \(options.threads) exceeds --batch-size \(options.batchSize): each worker trains at least one stream"
      )
    }
    if options.concat && options.batchSize > train.predictionCount {
      throw InputError(
        "--batch-size \(options.batchSize) with --concat cuts the training text (\(train.predictionCount) tokens) into more streams than it has tokens"
      )
    }
    guard let available else { return }
    do {
      try TrainingMemoryEstimate(config: config, options: options, train: train).check(available: available)
    } catch let error as ModelConfigError {
      throw InputError(error.message)
    }
  }

  static func makeCriterion(_ model: RNNLanguageModel, _ vocabulary: Vocabulary, file: String?) throws
    -> any TrainingCriterion
  {
    do { return try CriterionFactory.make(for: model.config, vocabulary: vocabulary, model: model) } catch let error
      as ModelConfigError
    {
      throw InputError(error.message, file: file)
    }
  }

  /// Trains the remaining epochs, writing `<save>.last` after every epoch and on interruption,
  /// and the model at `--save` as `Trainer.checkpoint` says; then scores the test text with
  /// the saved model. `shouldStop` is polled after every batch (SIGINT, SIGTERM).
  /// Divergence past its retries is a `TrainingError`.
  public func run(report: @escaping (TrainingEvent) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false })
    throws
    -> TrainingOutcome
  {
    trainer.report = report
    trainer.shouldStop = shouldStop
    try trainer.run()
    guard trainer.isFinished && !shouldStop() else { return .interrupted }
    guard let test else { return .finished(test: nil) }
    let best: RNNLanguageModel
    if let savePath = request.savePath, FileManager.default.fileExists(atPath: savePath) {
      best = try ModelFile.read(path: savePath, optimizerState: false).model
    } else {
      best = trainer.model
    }
    var result = TestResult(words: test.tokenCount, sentences: test.sentenceCount, oovs: test.oovCount)
    if best.hasNormalizedScores {
      result.perplexity = try Evaluation.perplexity(model: best, corpus: test, threads: trainer.options.threads)
    } else {
      result.unnormalizedCost = Evaluation.meanUnnormalizedCost(
        model: best, corpus: test, threads: trainer.options.threads)
    }
    return .finished(test: result)
  }
}

/// How a training run ended.
public enum TrainingOutcome: Sendable, Equatable {
  /// Stopped on request before the last epoch; `<save>.last` holds the state to resume.
  case interrupted
  /// All epochs are done; the test figures when there is a test text.
  case finished(test: TestResult?)
}

/// The saved model on the test text: perplexity, or for a model without normalized scores
/// (GRU index module) the mean unnormalized cost per token.
public struct TestResult: Sendable, Equatable {
  public var words: Int
  public var sentences: Int
  public var oovs: Int
  public var perplexity: Double?
  public var unnormalizedCost: Double?
}
