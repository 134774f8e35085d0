import FileIO

/// What a run of `NBestRescoringPipeline` produced.
public struct RescoringResult: Sendable {
  /// The sweep's totals and best setting (WERs only when `report.scored`).
  public let report: WeightSweepReport
  /// Where `text` and the `wer_*` files are.
  public let outputDirectory: String
  /// Every file the run writes (published when the run succeeds), in order.
  public let outputs: [String]
  public let utteranceCount: Int
  public let hypothesisCount: Int

  /// What `rescore-nbest` prints on stdout: with a reference, one `%WER` line per setting
  /// naming its `wer_*` file, the `#` summary lines, then the best one again (`best_wer.sh`);
  /// without, nothing.
  public var standardOutput: String {
    guard report.scored else { return "" }
    return report.standardOutput(prefix: outputDirectory + "/")
  }
}
