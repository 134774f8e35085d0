import NCECore

/// Everything a trained model needs to be used or resumed; stored by `ModelFileContainer`.
public struct ModelFilePayload: Sendable, Equatable {
  /// Model config + training state as JSON, encoded and decoded by the trainer.
  public var configJSON: [UInt8]
  public var vocabulary: Vocabulary
  /// Named tensors; written sorted by name.
  public var tensors: [String: Matrix]

  public init(configJSON: [UInt8], vocabulary: Vocabulary, tensors: [String: Matrix]) {
    self.configJSON = configJSON
    self.vocabulary = vocabulary
    self.tensors = tensors
  }
}
