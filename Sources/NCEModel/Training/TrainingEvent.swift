/// What the trainer reports while it runs; the tool turns these into log lines.
public enum TrainingEvent: Sendable {
  /// Periodic progress inside an epoch.
  case progress(epoch: Int, batch: Int, batches: Int, learningRate: Float, loss: Double, tokensPerSecond: Double, secondsLeft: Double)
  /// An epoch finished and was validated.
  case epochFinished(EpochRecord)
  /// A non-finite loss or gradient: the epoch restarts from the last good state.
  case diverged(epoch: Int, batch: Int, newLearningRate: Float, retry: Int)
  /// Training stopped early at the user's request (SIGINT, SIGTERM) after finishing a batch; the
  /// model was evaluated on the validation text.
  case interrupted(epoch: Int, batch: Int, validPerplexity: Double?)
}

/// Training could not continue.
public struct TrainingError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
