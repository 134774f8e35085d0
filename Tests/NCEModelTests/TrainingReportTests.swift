import Testing

@testable import NCEModel

/// `TrainingReport`: progress by time, the epoch line once.
@Suite struct TrainingReportTests {
  final class Clock: @unchecked Sendable {
    var now = 0.0
    func read() -> Double { now }
  }

  static func progress(_ batch: Int, of batches: Int = 100) -> TrainingEvent {
    .progress(
      epoch: 1, batch: batch, batches: batches, learningRate: 1, loss: 5, tokensPerSecond: 1000, secondsLeft: 90)
  }

  static let epoch = TrainingEvent.epochFinished(
    EpochRecord(
      epoch: 1, learningRate: 1, trainLoss: 5.25, validPerplexity: 180.5, seconds: 12.5, tokensPerSecond: 900))

  @Test func terminalRedrawsAboutOnceASecondAndTheEpochLineShowsOnce() {
    let clock = Clock()
    let report = TrainingReport(
      style: .terminal(refresh: 1), standardOutputIsTerminal: true, lossIsCrossEntropy: true, clock: clock.read)
    var live: [String] = []
    for batch in 1...10 {
      clock.now += 0.25
      if let line = report.lines(for: Self.progress(batch)).live { live.append(line) }
    }
    // The first batch at once, then at 1.25 s and 2.25 s (every 4 batches of 0.25 s).
    #expect(live.count == 3)
    #expect(
      live[0].hasPrefix(
        "\r[....................] epoch 1 batch 1/100 lr 1.0000 loss 5.000 train-ppl 148.4 1000 tokens/s ETA 1m30s"))
    let end = report.lines(for: Self.epoch)
    #expect(end.live == "\r\u{1B}[K", "the live line is erased, not left above the epoch line")
    #expect(end.standardOutput?.hasPrefix("epoch 1 lr 1.0000 train-loss 5.2500 valid-ppl 180.50 seconds 12.5") == true)
    #expect(end.log.isEmpty, "stdout is the same terminal: the epoch line is printed once")
    let redirected = TrainingReport(
      style: .terminal(refresh: 1), standardOutputIsTerminal: false, lossIsCrossEntropy: true, clock: clock.read)
    #expect(redirected.lines(for: Self.epoch).log.count == 1, "stdout in a file: the terminal sees it in the log")
  }

  @Test func logGetsALineEveryIntervalAndEveryNBatches() {
    let clock = Clock()
    let byTime = TrainingReport(
      style: .log(interval: 10), standardOutputIsTerminal: false, lossIsCrossEntropy: false, clock: clock.read)
    var lines = 0
    for batch in 1...35 {
      clock.now += 1
      lines += byTime.lines(for: Self.progress(batch)).log.count
    }
    #expect(lines == 3)
    let byCount = TrainingReport(
      style: .log(interval: 1000), everyBatches: 7, standardOutputIsTerminal: false, lossIsCrossEntropy: false,
      clock: clock.read)
    let shown = (1...35).filter { !byCount.lines(for: Self.progress($0)).log.isEmpty }
    #expect(shown == [7, 14, 21, 28, 35])
    #expect(byCount.lines(for: Self.epoch).log.count == 1)
    #expect(byCount.lines(for: Self.progress(7)).log.first?.contains("train-ppl") == false, "not a CE loss")
  }

  @Test func offShowsNoProgressButTheResults() {
    let clock = Clock()
    let report = TrainingReport(
      style: .off, standardOutputIsTerminal: false, lossIsCrossEntropy: true, clock: clock.read)
    for batch in 1...50 {
      clock.now += 100
      #expect(report.lines(for: Self.progress(batch)) == TrainingReport.Lines())
    }
    #expect(report.lines(for: Self.epoch).standardOutput != nil)
    let diverged = report.lines(
      for: .diverged(epoch: 2, batch: 4, newLearningRate: 0.5, retry: 1, cause: .loss(.nan)))
    #expect(
      diverged.warnings == [
        "training loss nan in epoch 2 batch 5: restarting the epoch from its start with the learning rate halved to 0.5 (retry 1)"
      ])
  }
}
