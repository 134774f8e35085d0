import Foundation
import NCEModel
import ToolSupport

/// Turns training events into output: a `\r` progress line on a terminal, periodic log lines
/// otherwise, and one stdout line per epoch (the result recipes parse).
final class ProgressPrinter {
  let log: Log
  /// The epoch lines; a write error is reported when training ends (`out.flush()`), after the
  /// checkpoints it must not stop.
  let out: StandardOutput
  let live = Log.stderrIsTerminal
  /// Only a cross-entropy loss is a log-perplexity; sampled criteria's losses are not.
  let lossIsCrossEntropy: Bool

  init(log: Log, out: StandardOutput, lossIsCrossEntropy: Bool) {
    self.log = log
    self.out = out
    self.lossIsCrossEntropy = lossIsCrossEntropy
  }

  func show(_ event: TrainingEvent) {
    switch event {
    case let .progress(epoch, batch, batches, lr, loss, rate, left):
      let line = "epoch \(epoch) batch \(batch)/\(batches) lr \(fmt(Double(lr), 4)) loss \(fmt(loss, 3))\(lossIsCrossEntropy ? " train-ppl \(fmt(exp(min(loss, 50)), 1))" : "") \(Int(rate)) tokens/s ETA \(formatDuration(left))"
      if live {
        let width = 20, done = batches > 0 ? batch * width / batches : width
        stderrWrite("\r[\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))] \(line)\u{1B}[K")
        if batch == batches { stderrWrite("\n") }
      } else {
        log.info(line)
      }
    case let .epochFinished(record):
      let valid = record.validPerplexity.map { fmt($0, 2) } ?? "-"
      let line = "epoch \(record.epoch) lr \(fmt(Double(record.learningRate), 4)) train-loss \(fmt(record.trainLoss, 4)) valid-ppl \(valid) seconds \(fmt(record.seconds, 1)) tokens/s \(Int(record.tokensPerSecond))"
        + (record.validUnnormalizedCost.map { " valid-unnormalized-cost-per-word \(fmt($0, 4))" } ?? "")
      out.write(line + "\n")
      try? out.flush()
      log.info(line)
    case let .diverged(epoch, batch, lr, retry, cause):
      let place = cause.isValidation ? "at the end of epoch \(epoch)" : "in epoch \(epoch) batch \(batch + 1)"
      log.warning("\(cause) \(place): restarting the epoch from its start with the learning rate halved to \(lr) (retry \(retry))")
    case let .interrupted(epoch, batch, valid):
      if live { stderrWrite("\n") }
      log.info("interrupt: stopping after epoch \(epoch) batch \(batch); valid-ppl \(valid.map { fmt($0, 2) } ?? "-")")
    }
  }

  private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
