import FileIO
import Foundation
import NCECore

/// A model on disk: the checkpoint container holding the model config, the vocabulary, the
/// parameters and, for files written during training, the optimizer and training state
/// (tensors named `momentum/<parameter>`).
public struct ModelFile {
  public var model: RNNLanguageModel
  public var vocabulary: Vocabulary
  public var options: TrainingOptions?
  public var state: TrainingState?
  public var momentum: [String: Matrix] = [:]
  /// The texts a training checkpoint was trained on (paths and fingerprints), so that
  /// `--resume` continues with them; nil for files written before it was recorded.
  public var texts: TrainingTexts?

  struct Header: Codable {
    var model: ModelConfig
    var options: TrainingOptions?
    var state: TrainingState?
    var texts: TrainingTexts?
  }

  public init(
    model: RNNLanguageModel, vocabulary: Vocabulary, options: TrainingOptions? = nil, state: TrainingState? = nil,
    momentum: [String: Matrix] = [:], texts: TrainingTexts? = nil
  ) {
    self.model = model
    self.vocabulary = vocabulary
    self.options = options
    self.state = state
    self.momentum = momentum
    self.texts = texts
  }

  /// Writes atomically (temp file, fsync, rename): a crash leaves the previous file intact.
  public func write(to path: String) throws { try encoded().write(to: path) }

  /// The file `write(to:)` writes, compressed by `threads` threads when large (see
  /// `ModelFileContainer.encodeParts`).
  public func encoded(threads: Int = 1) throws -> EncodedCheckpoint {
    let header = Header(model: model.config, options: options, state: state, texts: texts)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var tensors = model.tensors
    for (name, buffer) in momentum { tensors[Self.momentumPrefix + name] = buffer }
    let checkpoint = ModelFilePayload(
      configJSON: Array(try encoder.encode(header)), vocabulary: vocabulary, tensors: tensors)
    // Version 2 only when the model needs it (direct features): see `ModelFileContainer`.
    return try ModelFileContainer.encodeParts(
      checkpoint, version: model.config.direct == nil ? 1 : 2, threads: threads)
  }

  /// Reads and validates a model file; any inconsistency is an `InputError` naming `path` and
  /// the tensor or field: shapes, non-finite weights and optimizer state (`checkTensors`),
  /// training options and state (`TrainingState.validate(options:)`).
  /// Without `optimizerState` the momentum buffers are skipped (`momentum` stays empty): what
  /// evaluation and rescoring need, in half the memory of a training checkpoint.
  public static func read(path: String, optimizerState: Bool = true) throws -> ModelFile {
    let checkpoint = try ModelFileContainer.read(path: path) { optimizerState || !$0.hasPrefix("momentum/") }
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(checkpoint.configJSON))
    } catch {
      throw InputError("malformed model header: \(error)", file: path)
    }
    do {
      try header.model.validate()
      guard header.model.vocabularySize == checkpoint.vocabulary.count else {
        throw ModelConfigError(
          message: "the vocabulary has \(checkpoint.vocabulary.count) words, the model \(header.model.vocabularySize)")
      }
      try checkSizes(header.model, tensors: checkpoint.tensors)
      let model = try RNNLanguageModel(config: header.model, tensors: checkpoint.tensors)
      try checkTensors(checkpoint.tensors, of: model)
      if let state = header.state {
        guard let options = header.options else {
          throw ModelConfigError(message: "training state without training options")
        }
        do { try options.validate() } catch let error as ModelConfigError {
          throw ModelConfigError(message: "training options: \(error.message)")
        }
        try state.validate(options: options)
      }
      var momentum: [String: Matrix] = [:]
      for (name, tensor) in checkpoint.tensors where name.hasPrefix(momentumPrefix) {
        momentum[String(name.dropFirst(momentumPrefix.count))] = tensor
      }
      return ModelFile(
        model: model, vocabulary: checkpoint.vocabulary, options: header.options, state: header.state,
        momentum: momentum,
        texts: header.texts)
    } catch let error as ModelConfigError {
      throw InputError(error.message, file: path)
    }
  }

  /// Refuses a header whose sizes disagree with the stored tensors before a model of that size
  /// is allocated: a corrupt or hand-edited header must not exhaust memory or overflow.
  static func checkSizes(_ config: ModelConfig, tensors: [String: Matrix]) throws {
    func check(_ name: String, rows: Int, cols: (Int) -> Int) throws {
      guard let tensor = tensors[name] else {
        throw ModelConfigError(message: "the model file lacks tensor '\(name)'")
      }
      // Rows first: a matching row count bounds the size before `cols` multiplies it.
      guard tensor.rows == rows, tensor.cols == cols(rows) else {
        throw ModelConfigError(
          message: "tensor '\(name)' is \(tensor.rows)x\(tensor.cols), which does not match the header")
      }
    }
    try check("embedding.weight", rows: config.vocabularySize) { _ in config.embeddingSize }
    guard config.layers <= tensors.count else {
      throw ModelConfigError(
        message: "the header declares \(config.layers) layers, the file has \(tensors.count) tensors")
    }
    if let direct = config.direct { try check("direct.weight", rows: direct.tableSize) { _ in 1 } }
    let gates = config.cell == .lstm ? 4 : 3
    for layer in 0..<config.layers {
      try check("rnn.\(layer).weight_hh", rows: config.hiddenSize) { gates * $0 }
    }
  }
}
