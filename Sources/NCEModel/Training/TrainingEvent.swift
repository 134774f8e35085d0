/// What the trainer reports while it runs; the tool turns these into log lines.
public enum TrainingEvent: Sendable {
  /// Periodic progress inside an epoch.
  case progress(
    epoch: Int, batch: Int, batches: Int, learningRate: Float, loss: Double, tokensPerSecond: Double,
    secondsLeft: Double)
  /// An epoch finished and was validated.
  case epochFinished(EpochRecord)
  /// A non-finite loss, gradient or validation figure: the epoch restarts from the last good
  /// state (`batch` is the 0-based batch, or the epoch's batch count for its validation).
  case diverged(epoch: Int, batch: Int, newLearningRate: Float, retry: Int, cause: DivergenceCause)
  /// Training stopped early at the user's request (SIGINT, SIGTERM) after finishing a batch; the
  /// model was evaluated on the validation text.
  case interrupted(epoch: Int, batch: Int, validPerplexity: Double?)
}

/// What made the trainer roll an epoch back.
public enum DivergenceCause: Sendable, Equatable, CustomStringConvertible {
  /// The loss of a batch was NaN or infinite.
  case loss(Double)
  /// The gradient norm of a batch was NaN or infinite.
  case gradient(Double)
  /// The validation perplexity at the end of the epoch was NaN or infinite, although every
  /// batch's loss was finite (`--lr 1e6`).
  case validationPerplexity(Double)
  /// The same for the mean unnormalized validation cost of an index-module model.
  case validationCost(Double)

  /// Whether it was found by the validation at the end of the epoch, not in a batch.
  public var isValidation: Bool {
    switch self {
    case .validationPerplexity, .validationCost: true
    case .loss, .gradient: false
    }
  }

  public var description: String {
    switch self {
    case .loss(let value): "training loss \(value)"
    case .gradient(let value): "gradient norm \(value)"
    case .validationPerplexity(let value): "validation perplexity \(value)"
    case .validationCost(let value): "mean validation cost \(value)"
    }
  }
}

/// Training could not continue.
public struct TrainingError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
