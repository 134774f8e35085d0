import Synchronization
import Testing

@testable import FileIO

/// A clock the test moves by hand, and a sink that keeps what the meter printed.
private final class FakeTerminal: Sendable {
  let time = Mutex(100.0)
  let lines = Mutex<[String]>([])
  var clock: @Sendable () -> Double { { self.time.withLock { $0 } } }
  var output: @Sendable (String) -> Void { { text in self.lines.withLock { $0.append(text) } } }
  func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
  var printed: [String] { lines.withLock { $0 } }
}

@Suite struct ProgressMeterTests {
  @Test func terminalLineIsRewrittenAboutOnceASecond() {
    let terminal = FakeTerminal()
    let meter = ProgressMeter(
      tool: "t", label: "scoring", unit: "hypotheses", total: 1000, style: .terminal(refresh: 1),
      clock: terminal.clock, output: terminal.output)
    for _ in 0..<10 {
      terminal.advance(0.25)
      meter.advance(by: 25)
    }
    // 2.5 s in quarter-second steps: a line at 1.0 s and at 2.0 s, none before the first second.
    #expect(terminal.printed.count == 2)
    #expect(
      terminal.printed[0] == "\rscoring: 100 / 1000 hypotheses (10.0%), 100 hypotheses/s, elapsed 1s, ETA 9s\u{1B}[K")
    #expect(terminal.printed[1].hasPrefix("\rscoring: 200 / 1000 hypotheses (20.0%)"))
    meter.finish()
    #expect(terminal.printed.last == "\r\u{1B}[K")
  }

  @Test func logGetsOneLinePerInterval() {
    let terminal = FakeTerminal()
    let meter = ProgressMeter(
      tool: "rescore-nbest", label: "scoring", unit: "hypotheses", style: .log(interval: 10),
      clock: terminal.clock, output: terminal.output)
    for _ in 0..<35 {
      terminal.advance(1)
      meter.advance(by: 3)
    }
    #expect(
      terminal.printed == [
        "LOG (rescore-nbest) scoring: 30 hypotheses, 3.0 hypotheses/s, elapsed 10s\n",
        "LOG (rescore-nbest) scoring: 60 hypotheses, 3.0 hypotheses/s, elapsed 20s\n",
        "LOG (rescore-nbest) scoring: 90 hypotheses, 3.0 hypotheses/s, elapsed 30s\n",
      ])
    meter.finish()
    #expect(terminal.printed.count == 3, "a log meter adds no line when it finishes")
  }

  @Test func offPrintsNothing() {
    let terminal = FakeTerminal()
    let meter = ProgressMeter(
      tool: "t", label: "x", unit: "words", style: .off, clock: terminal.clock, output: terminal.output)
    for _ in 0..<100 {
      terminal.advance(5)
      meter.advance()
    }
    meter.finish()
    #expect(terminal.printed.isEmpty)
  }

  @Test func styleFollowsTheIntervalAndTheTerminal() {
    #expect(ProgressMeter.style(logInterval: 0, stderrIsTerminal: true) == .off)
    #expect(ProgressMeter.style(logInterval: 0, stderrIsTerminal: false) == .off)
    #expect(ProgressMeter.style(logInterval: 30, stderrIsTerminal: true) == .terminal(refresh: 1))
    #expect(ProgressMeter.style(logInterval: 5, stderrIsTerminal: false) == .log(interval: 5))
  }

  @Test func totalsKnownLaterGiveAnETA() {
    let terminal = FakeTerminal()
    let meter = ProgressMeter(
      tool: "t", label: "epoch 1", unit: "batches", style: .log(interval: 60),
      clock: terminal.clock, output: terminal.output)
    meter.setTotal(7200)
    terminal.advance(3600)
    meter.advance(by: 3600)
    #expect(
      terminal.printed == [
        "LOG (t) epoch 1: 3600 / 7200 batches (50.0%), 1.0 batches/s, elapsed 1h00m00s, ETA 1h00m00s\n"
      ])
  }

  @Test func manyThreadsCountEveryUnit() async {
    let terminal = FakeTerminal()
    let meter = ProgressMeter(
      tool: "t", label: "x", unit: "items", total: 8000, style: .log(interval: 1),
      clock: terminal.clock, output: terminal.output)
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<8 { group.addTask { for _ in 0..<1000 { meter.advance() } } }
    }
    terminal.advance(1)
    meter.advance(by: 0)
    #expect(terminal.printed.last?.contains("8000 / 8000 items (100.0%)") == true)
  }
}
