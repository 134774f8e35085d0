import FileIO
import Foundation

extension WeightSweepReport {
  /// `<directory>/<werName>` for every setting, in grid order.
  public func werFilePaths(directory: String) -> [String] {
    settings.map { (directory as NSString).appendingPathComponent($0.werName) }
  }

  /// Stages compute-wer's three lines for every setting as `<directory>/<werName>` (Kaldi's
  /// `score_kaldi.sh` writes `wer_<LMWT>_<WIP>` files) in `outputs`, published with the rest of
  /// the run.
  public func stageWERFiles(directory: String, in outputs: StagedOutputs) throws {
    for (path, summary) in zip(werFilePaths(directory: directory), summaries) {
      try outputs.write(text: summary.kaldiReport(), to: path)
    }
  }
}
