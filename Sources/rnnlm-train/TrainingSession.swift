import Foundation
import FileIO
import NCECore
import NCEModel
import ToolSupport

/// Everything `rnnlm-train` needs, built from options or from `<save>.last` on `--resume`.
struct TrainingSession {
  var vocabulary: Vocabulary
  var trainer: Trainer
  var test: Corpus?

  static func prepare(command: RNNLMTrain, log: Log) throws -> TrainingSession {
    let d = command.dataOptions
    func path(_ explicit: String?, _ name: String) -> String? {
      if let explicit { return explicit }
      guard let dir = d.data else { return nil }
      let plain = "\(dir)/\(name)"
      return !FileManager.default.fileExists(atPath: plain) && FileManager.default.fileExists(atPath: plain + ".zst") ? plain + ".zst" : plain
    }
    if command.resume == true {
      let file = try ModelFile.read(path: command.save + ".last")
      guard var options = file.options, let state = file.state else {
        throw InputError("holds no training state (it was not written by rnnlm-train)", file: command.save + ".last")
      }
      guard let trainPath = path(d.trainText, "train.txt") else { throw InputError("--resume needs the same --data or --train-text as the interrupted run") }
      options.epochs = max(options.epochs, command.optimization.epochs)
      options.threads = command.threads
      do { try options.validate() } catch let error as ModelConfigError {
        throw InputError("training options: \(error.message)", file: command.save + ".last")
      }
      let train = try Corpus(path: trainPath, vocabulary: file.vocabulary)
      try checkMemory(file.model.config, options, train)
      let valid = try path(d.validText, "valid.txt").map { try Corpus(path: $0, vocabulary: file.vocabulary) }
      let test = try path(d.testText, "test.txt").map { try Corpus(path: $0, vocabulary: file.vocabulary) }
      let criterion = try makeCriterion(file.model, file.vocabulary, command.save + ".last")
      log.info("resuming epoch \(state.epoch) batch \(state.batchesDone) at lr \(state.learningRate)")
      let trainer = Trainer(model: file.model, criterion: criterion, options: options, train: train, valid: valid, state: state, momentum: file.momentum)
      return TrainingSession(vocabulary: file.vocabulary, trainer: trainer, test: test)
    }

    guard let trainPath = path(d.trainText, "train.txt") else { throw InputError("no training text") }
    var vocabulary: Vocabulary
    if let vocabPath = d.vocab {
      vocabulary = try Vocabulary.load(path: vocabPath)
      try vocabulary.setCounts(fromTrainingText: trainPath)
    } else {
      vocabulary = try Vocabulary.build(trainingText: trainPath, minFreq: d.minFreq)
    }
    let train = try Corpus(path: trainPath, vocabulary: vocabulary)
    guard train.sentenceCount > 0 else { throw InputError("no sentences in the training text", file: trainPath) }
    let valid = try path(d.validText, "valid.txt").map { try Corpus(path: $0, vocabulary: vocabulary) }
    let test = try path(d.testText, "test.txt").map { try Corpus(path: $0, vocabulary: vocabulary) }
    log.info(
      "vocabulary \(vocabulary.count) words; training text \(train.sentenceCount) sentences, \(train.tokenCount) words, \(train.oovCount) mapped to <unk>")

    var config = ModelConfig(vocabularySize: vocabulary.count)
    let a = command.architecture, c = command.criterionOptions, o = command.optimization
    config.embeddingSize = a.emsize
    config.hiddenSize = a.nhid
    config.layers = a.nlayers
    config.cell = a.cell
    config.dropout = a.dropout
    config.tieWeights = a.tieWeights
    config.loss = c.loss
    config.noiseRatio = c.noiseRatio
    config.normTerm = c.normTerm == "auto" ? Float(Foundation.log(Double(vocabulary.count))) : Float(c.normTerm)!
    config.perWordNoise = c.perWordNoise
    config.noisePower = c.noisePower
    config.removeAccidentalHits = c.removeAccidentalHits
    config.indexModule = c.indexModule
    do { try config.validate() } catch let error as ModelConfigError { throw InputError(error.message) }

    let options = o.trainingOptions(threads: command.threads)
    try checkMemory(config, options, train)

    var rng = SeededGenerator(seed: o.seed)
    let model = RNNLanguageModel(config: config, using: &rng)
    let criterion = try makeCriterion(model, vocabulary, nil)
    try CriterionFactory.initializeOutputBias(of: model, vocabulary: vocabulary)
    let trainer = Trainer(model: model, criterion: criterion, options: options, train: train, valid: valid)
    return TrainingSession(vocabulary: vocabulary, trainer: trainer, test: test)
  }

  /// Refuses options that cannot work or whose memory cannot fit, before the model and its
  /// workers are allocated.
  private static func checkMemory(_ config: ModelConfig, _ options: TrainingOptions, _ train: Corpus) throws {
    if options.threads > options.batchSize {
      throw InputError("--threads \(options.threads) exceeds --batch-size \(options.batchSize): each worker trains at least one stream")
    }
    if options.concat && options.batchSize > train.predictionCount {
      throw InputError(
        "--batch-size \(options.batchSize) with --concat cuts the training text (\(train.predictionCount) tokens) into more streams than it has tokens")
    }
    guard let available = physicalMemoryBytes() else { return }
    do {
      try TrainingMemoryEstimate(config: config, options: options, train: train).check(available: available)
    } catch let error as ModelConfigError {
      throw InputError(error.message)
    }
  }

  private static func makeCriterion(_ model: RNNLanguageModel, _ vocabulary: Vocabulary, _ file: String?) throws -> any TrainingCriterion {
    do { return try CriterionFactory.make(for: model.config, vocabulary: vocabulary, model: model) } catch let error as ModelConfigError {
      throw InputError(error.message, file: file)
    }
  }
}
