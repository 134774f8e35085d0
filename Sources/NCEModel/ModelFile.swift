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

  struct Header: Codable {
    var model: ModelConfig
    var options: TrainingOptions?
    var state: TrainingState?
  }

  public init(model: RNNLanguageModel, vocabulary: Vocabulary, options: TrainingOptions? = nil, state: TrainingState? = nil, momentum: [String: Matrix] = [:]) {
    self.model = model
    self.vocabulary = vocabulary
    self.options = options
    self.state = state
    self.momentum = momentum
  }

  /// Writes atomically (temp file, fsync, rename): a crash leaves the previous file intact.
  public func write(to path: String) throws {
    let header = Header(model: model.config, options: options, state: state)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var tensors = model.tensors
    for (name, buffer) in momentum { tensors["momentum/\(name)"] = buffer }
    let checkpoint = Checkpoint(configJSON: Array(try encoder.encode(header)), vocabulary: vocabulary, tensors: tensors)
    try CheckpointFile.write(checkpoint, to: path)
  }

  /// Reads and validates a model file; any inconsistency is an `InputError` naming `path`.
  public static func read(path: String) throws -> ModelFile {
    let checkpoint = try CheckpointFile.read(path: path)
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(checkpoint.configJSON))
    } catch {
      throw InputError("malformed model header: \(error)", file: path)
    }
    do {
      try header.model.validate()
      guard header.model.vocabularySize == checkpoint.vocabulary.count else {
        throw ModelConfigError(message: "the vocabulary has \(checkpoint.vocabulary.count) words, the model \(header.model.vocabularySize)")
      }
      let model = try RNNLanguageModel(config: header.model, tensors: checkpoint.tensors)
      var momentum: [String: Matrix] = [:]
      for (name, tensor) in checkpoint.tensors where name.hasPrefix("momentum/") {
        momentum[String(name.dropFirst("momentum/".count))] = tensor
      }
      return ModelFile(model: model, vocabulary: checkpoint.vocabulary, options: header.options, state: header.state, momentum: momentum)
    } catch let error as ModelConfigError {
      throw InputError(error.message, file: path)
    }
  }
}
