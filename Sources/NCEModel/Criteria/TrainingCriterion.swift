import NCECore

/// An output criterion: turns hidden vectors of real (non-padding) positions and their target
/// words into a loss, accumulates the gradients of the output layer's parameters, and returns
/// the gradient with respect to the hidden vectors.
public protocol TrainingCriterion {
  /// - Parameters:
  ///   - hidden: `[N x E]`, one row per real position.
  ///   - targets: `N` word ids.
  ///   - scale: the gradients are those of `scale * Σ loss` (the trainer passes `1/N`).
  ///   - direct: the rows' direct features, given exactly when `output` has them; their
  ///     gradient (from the same score gradient as `W` and `b`) accumulates in `output.direct`.
  /// - Returns: the loss summed over the `N` rows (nats) and `d(scale * Σ loss)/d hidden`.
  mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix)

  /// The criterion a data-parallel worker on `replica` (a replica of the trained model) uses:
  /// the same settings on the replica's parameters, so that no two workers write one gradient.
  func forReplica(_ replica: RNNLanguageModel) -> any TrainingCriterion
}

extension TrainingCriterion {
  /// A criterion that holds no parameters (they come in `output`) serves every worker as it is.
  public func forReplica(_ replica: RNNLanguageModel) -> any TrainingCriterion { self }

  /// The criterion on an output layer without direct features.
  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    lossAndGradient(hidden: hidden, targets: targets, output: output, direct: nil, scale: scale, using: &rng)
  }
}
