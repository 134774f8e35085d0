import FileIO
import Foundation

/// `compute-wer`'s run: refuse outputs that are inputs, read the normalization files and both
/// tables, score as Kaldi's `compute-wer` does, and write the `--details` files (all three
/// published together, only on success). The caller prints `summary.kaldiReport()`.
public enum ComputeWERPipeline {
  public struct Result: Sendable {
    public var summary: WERSummary
    /// Scored utterances (those skipped by `--mode=present` excluded).
    public var utteranceCount: Int
  }

  /// `tool` names the progress lines (scoring, then aligning for `--details`), shown by time
  /// with `ProgressMeter.defaultStyle`; nil shows none.
  public static func run(_ request: ComputeWERRequest, progressTool tool: String? = nil) throws -> Result {
    try refuseOverlaps(request)
    let normalizer = try TextNormalizer(
      foldCase: request.foldCase, mappingFile: request.mappingFile, ignoredWords: request.ignoredWords)
    let utteranceToSpeaker = try request.utteranceToSpeakerFile.map {
      try DetailsWriter.readUtteranceToSpeaker(path: $0)
    }
    let references = try KaldiTextTable.read(request.reference)
    let hypotheses = try KaldiTextTable.read(request.hypothesis)
    let scorer = CorpusScorer(rule: request.rule, mode: request.mode, normalizer: normalizer)
    let hypothesisPath = (try? TableSpecifier(parsing: request.hypothesis))?.path ?? request.hypothesis
    let scored = try scorer.score(
      references: references, hypotheses: hypotheses, hypothesisSource: hypothesisPath,
      progress: tool.map { ProgressMeter(tool: $0, label: "scoring", unit: "utterances") })
    if let directory = request.detailsDirectory {
      let writer = DetailsWriter(
        rule: request.rule, epsilon: request.epsilon, utteranceToSpeaker: utteranceToSpeaker,
        speakerFile: request.utteranceToSpeakerFile ?? "utt2spk")
      try writer.write(
        scored.utterances, to: directory,
        progress: tool.map {
          ProgressMeter(tool: $0, label: "aligning", unit: "utterances", total: scored.utterances.count)
        })
    }
    return Result(summary: scored.summary, utteranceCount: scored.utterances.count)
  }

  /// The details directory and its files may not be any file the run reads.
  static func refuseOverlaps(_ request: ComputeWERRequest) throws {
    guard let directory = request.detailsDirectory else { return }
    var inputs = [
      OutputOverlap.Input(request.reference, name: "REF"),
      OutputOverlap.Input(request.hypothesis, name: "HYP"),
    ]
    if let file = request.utteranceToSpeakerFile { inputs.append(.init(file, name: "--utt2spk")) }
    if let file = request.mappingFile { inputs.append(.init(file, name: "--map")) }
    if let words = request.ignoredWords, FileManager.default.fileExists(atPath: words) {
      inputs.append(.init(words, name: "--ignore-words"))
    }
    try OutputOverlap.refuse(outputs: [directory] + request.detailsFiles, inputs: inputs)
  }
}
