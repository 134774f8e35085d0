import FileIO
import Foundation

/// Turns training events into text, by time: a live progress line on a terminal about once a
/// second, in a log one progress line every `ProgressMeter.Style.log` interval (and, with
/// `everyBatches`, every that many batches too), one stdout line per epoch (the line recipes
/// parse) and log lines for divergence and interruption. The epoch line is logged on stderr too,
/// unless stdout and stderr are the same terminal (it would show twice).
public final class TrainingReport {
  /// What to print for one event.
  public struct Lines: Equatable, Sendable {
    /// A `\r` progress line (no newline) for a terminal, or the text that ends it.
    public var live: String?
    /// `LOG` lines (without the prefix).
    public var log: [String] = []
    public var warnings: [String] = []
    /// The epoch line for stdout (with newline).
    public var standardOutput: String?
  }

  private let style: ProgressMeter.Style
  private let everyBatches: Int
  private let logEpochLines: Bool
  private let lossIsCrossEntropy: Bool
  private let clock: () -> Double
  private var lastShown: Double
  private var liveShown = false

  /// - Parameters:
  ///   - style: the progress style (`ProgressMeter.defaultStyle`, set by `--progress-interval`).
  ///   - everyBatches: with a log style, also a progress line every this many batches (0: by time only).
  ///   - standardOutputIsTerminal: whether stdout shares the terminal of a live line.
  public init(
    style: ProgressMeter.Style = ProgressMeter.defaultStyle, everyBatches: Int = 0, standardOutputIsTerminal: Bool,
    lossIsCrossEntropy: Bool, clock: @escaping () -> Double = ProgressMeter.monotonicSeconds
  ) {
    self.style = style
    self.everyBatches = everyBatches
    if case .terminal = style { logEpochLines = !standardOutputIsTerminal } else { logEpochLines = true }
    self.lossIsCrossEntropy = lossIsCrossEntropy
    self.clock = clock
    lastShown = clock()
  }

  public func lines(for event: TrainingEvent) -> Lines {
    var lines = Lines()
    switch event {
    case .progress(let epoch, let batch, let batches, let lr, let loss, let rate, let left):
      let now = clock()
      let text =
        "epoch \(epoch) batch \(batch)/\(batches) lr \(fmt(Double(lr), 4)) loss \(fmt(loss, 3))"
        + (lossIsCrossEntropy ? " train-ppl \(fmt(exp(min(loss, 50)), 1))" : "")
        + " \(Int(rate)) tokens/s ETA \(formatDuration(left))"
      switch style {
      case .terminal(let refresh):
        guard now - lastShown >= refresh || batch == 1 else { return lines }
        let width = 20
        let done = batches > 0 ? batch * width / batches : width
        lines.live =
          "\r[\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))] \(text)\u{1B}[K"
        liveShown = true
        lastShown = now
      case .log(let interval):
        let byCount = everyBatches > 0 && batch % everyBatches == 0
        guard now - lastShown >= interval || byCount else { return lines }
        lines.log = [text]
        lastShown = now
      case .off:
        guard everyBatches > 0 && batch % everyBatches == 0 else { return lines }
        lines.log = [text]
      }
    case .epochFinished(let record):
      lines.live = clearLive()
      let valid = record.validPerplexity.map { fmt($0, 2) } ?? "-"
      let text =
        "epoch \(record.epoch) lr \(fmt(Double(record.learningRate), 4)) train-loss \(fmt(record.trainLoss, 4)) "
        + "valid-ppl \(valid) seconds \(fmt(record.seconds, 1)) tokens/s \(Int(record.tokensPerSecond))"
        + (record.validUnnormalizedCost.map { " valid-unnormalized-cost-per-word \(fmt($0, 4))" } ?? "")
      lines.standardOutput = text + "\n"
      if logEpochLines { lines.log = [text] }
      lastShown = clock()
    case .diverged(let epoch, let batch, let lr, let retry, let cause):
      lines.live = clearLive()
      let place = cause.isValidation ? "at the end of epoch \(epoch)" : "in epoch \(epoch) batch \(batch + 1)"
      lines.warnings = [
        "\(cause) \(place): restarting the epoch from its start with the learning rate halved to \(lr) (retry \(retry))"
      ]
    case .interrupted(let epoch, let batch, let valid):
      lines.live = clearLive()
      lines.log = [
        "interrupt: stopping after epoch \(epoch) batch \(batch); valid-ppl \(valid.map { fmt($0, 2) } ?? "-")"
      ]
    }
    return lines
  }

  /// The text that erases a live line, if one is showing.
  private func clearLive() -> String? {
    guard liveShown else { return nil }
    liveShown = false
    return "\r\u{1B}[K"
  }

  private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
