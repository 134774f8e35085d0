import NCECore

extension ModelFile {
  /// Checks every tensor of a file against the model it builds, before any is used: each
  /// parameter finite (a NaN or infinite weight would give `ppl nan` or `inf` costs), no
  /// tensor that is not a parameter or its optimizer state, each `momentum/<p>` of `p`'s
  /// shape and finite, each `momentum/<p>#lag` a `[rows x 1]` column of `p`, `p` row-sparse,
  /// holding whole numbers of steps in `0...2^24` (what `SGDOptimizer.buffers` writes).
  /// Errors name the tensor. Cost: one pass over the stored values.
  static func checkTensors(_ tensors: [String: Matrix], of model: RNNLanguageModel) throws {
    let parameters = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
    for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
      if parameters[name] != nil {
        try checkFinite(tensor, name: name)
        continue
      }
      guard name.hasPrefix(momentumPrefix) else {
        throw ModelConfigError(message: "tensor '\(name)' is not a parameter of this model")
      }
      let stateName = String(name.dropFirst(momentumPrefix.count))
      if stateName.hasSuffix(SGDOptimizer.lagSuffix) {
        let owner = String(stateName.dropLast(SGDOptimizer.lagSuffix.count))
        guard let parameter = parameters[owner], parameter.isRowSparse else {
          throw ModelConfigError(message: "tensor '\(name)' belongs to no row-sparse parameter of this model")
        }
        guard tensor.rows == parameter.value.rows && tensor.cols == 1 else {
          throw ModelConfigError(
            message: "tensor '\(name)' is \(tensor.rows)x\(tensor.cols), expected \(parameter.value.rows)x1")
        }
        if let bad = tensor.storage.firstIndex(where: { !($0 >= 0 && $0 <= 16_777_216 && $0.rounded() == $0) }) {
          throw ModelConfigError(
            message: "tensor '\(name)' row \(bad) holds \(tensor.storage[bad]), not a step count in 0...16777216")
        }
        continue
      }
      guard let parameter = parameters[stateName] else {
        throw ModelConfigError(message: "tensor '\(name)' belongs to no parameter of this model")
      }
      guard tensor.rows == parameter.value.rows && tensor.cols == parameter.value.cols else {
        throw ModelConfigError(
          message:
            "tensor '\(name)' is \(tensor.rows)x\(tensor.cols), expected \(parameter.value.rows)x\(parameter.value.cols)"
        )
      }
      try checkFinite(tensor, name: name)
    }
  }

  static let momentumPrefix = "momentum/"

  /// Refuses a NaN or infinite value, naming the tensor and where it is.
  static func checkFinite(_ tensor: Matrix, name: String) throws {
    let bad = tensor.storage.withUnsafeBufferPointer { values in values.firstIndex { !$0.isFinite } }
    guard let bad else { return }
    let cols = max(tensor.cols, 1)
    throw ModelConfigError(
      message:
        "tensor '\(name)' holds a non-finite value (\(tensor.storage[bad])) at row \(bad / cols), column \(bad % cols)")
  }
}
