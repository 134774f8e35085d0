import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Progress of a long job on standard error, by time rather than by count: on a terminal a live
/// line (done / total, percent, rate, ETA) rewritten about once a second from the first second;
/// in a log one `LOG (<tool>) ...` line every `interval` seconds; nothing when switched off.
/// `finish()` clears the live line, so that a result line printed after it appears once.
///
/// Cost: `advance` reads the monotonic clock and formats only when a line is due, so a call per
/// hypothesis, sentence or batch is negligible. Thread-safe.
public final class ProgressMeter: Sendable {
  /// How progress is shown.
  public enum Style: Sendable, Equatable {
    /// A `\r` line rewritten every `refresh` seconds (stderr is a terminal).
    case terminal(refresh: Double)
    /// A log line every `interval` seconds (stderr is a file or a pipe).
    case log(interval: Double)
    case off
  }

  /// What the tools choose once (`--progress-interval`, whether stderr is a terminal) and every
  /// meter of the process uses.
  public static var defaultStyle: Style {
    get { sharedStyle.withLock { $0 } }
    set { sharedStyle.withLock { $0 = newValue } }
  }
  private static let sharedStyle = Mutex<Style>(isatty(STDERR_FILENO) != 0 ? .terminal(refresh: 1) : .log(interval: 30))

  /// The style for a log interval given by the user: a terminal gets the live line whatever the
  /// interval unless it is 0, which switches progress off.
  public static func style(logInterval: Double, stderrIsTerminal: Bool) -> Style {
    if logInterval <= 0 { return .off }
    return stderrIsTerminal ? .terminal(refresh: 1) : .log(interval: logInterval)
  }

  private struct State {
    var done = 0
    var total: Int?
    var lastShown: Double
    var shownLive = false
  }

  private let prefix: String
  private let label: String
  private let unit: String
  private let style: Style
  private let start: Double
  private let clock: @Sendable () -> Double
  private let output: @Sendable (String) -> Void
  private let state: Mutex<State>

  /// - Parameters:
  ///   - tool: the tool's name, for log lines (`LOG (<tool>) <label>: ...`).
  ///   - label: what is being done, e.g. `scoring` or `epoch 3`.
  ///   - unit: what is counted, plural, e.g. `hypotheses`.
  ///   - total: the count at the end, when known (then percent and ETA are shown).
  public init(
    tool: String, label: String, unit: String, total: Int? = nil, style: Style = ProgressMeter.defaultStyle,
    clock: @escaping @Sendable () -> Double = ProgressMeter.monotonicSeconds,
    output: @escaping @Sendable (String) -> Void = { stderrWrite($0) }
  ) {
    prefix = "LOG (\(tool)) "
    self.label = label
    self.unit = unit
    self.style = style
    self.clock = clock
    self.output = output
    let now = clock()
    start = now
    state = Mutex(State(total: total, lastShown: now))
  }

  /// Sets the expected total once it is known.
  public func setTotal(_ total: Int) { state.withLock { $0.total = total } }

  /// Counts `count` more units done, and shows a line if one is due.
  public func advance(by count: Int = 1) {
    let line: String? = state.withLock { state in
      state.done += count
      return due(&state)
    }
    if let line { output(line) }
  }

  /// Ends the meter: a live line is cleared; a log gets no extra line (the caller prints its result).
  public func finish() {
    let wasLive = state.withLock { state in
      defer { state.shownLive = false }
      return state.shownLive
    }
    if wasLive { output("\r\u{1B}[K") }
  }

  /// The line to print now, if any, updating the time of the last one.
  private func due(_ state: inout State) -> String? {
    let period: Double
    switch style {
    case .off: return nil
    case .terminal(let refresh): period = refresh
    case .log(let interval): period = interval
    }
    let now = clock()
    guard now - state.lastShown >= period else { return nil }
    state.lastShown = now
    let text = describe(done: state.done, total: state.total, elapsed: now - start)
    if case .terminal = style {
      state.shownLive = true
      return "\r\(text)\u{1B}[K"
    }
    return prefix + text + "\n"
  }

  /// `label: done / total unit (p%), rate unit/s, elapsed, ETA`; without a total no percent or ETA.
  func describe(done: Int, total: Int?, elapsed: Double) -> String {
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    var text = "\(label): \(done)"
    if let total, total > 0 {
      text += " / \(total) \(unit) (\(String(format: "%.1f", 100 * Double(done) / Double(total)))%)"
    } else {
      text += " \(unit)"
    }
    text += ", \(String(format: rate >= 100 ? "%.0f" : "%.1f", rate)) \(unit)/s, elapsed \(formatDuration(elapsed))"
    if let total, total > done, rate > 0 {
      text += ", ETA \(formatDuration(Double(total - done) / rate))"
    }
    return text
  }

  /// Seconds of the monotonic clock.
  public static let monotonicSeconds: @Sendable () -> Double = {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}
