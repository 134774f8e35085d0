import ArgumentParser
import FileIO
import Foundation
import NCECore
import NCEModel
import ToolSupport

@main
struct RNNLMEval: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rnnlm-eval",
    abstract: "Evaluate an RNN LM on a text: perplexity, or mean unnormalized cost, and self-normalization statistics.",
    discussion: """
      --normalized (default) computes the exact perplexity with a full softmax, whatever criterion \
      trained the model. --unnormalized uses the NCE score s(w,h) - lnZ without normalization and \
      prints the mean cost per token: it is not a perplexity. --self-norm-stats adds the mean and \
      standard deviation of ln sum_w exp s(w,h) - lnZ over the text (0 and 0 for a perfectly \
      self-normalized model). Words are separated by Kaldi's whitespace and blank lines skipped; \
      <s> or </s> inside a sentence is an error (boundaries are implicit), as in rnnlm-score.
      Example: rnnlm-eval --model exp/nce.mdl --text data/ptb/valid.txt --self-norm-stats
      """)

  @OptionGroup var shared: SharedOptions
  @Option(help: "Model file written by rnnlm-train.") var model: String
  @Option(help: "Text to score: one sentence per line (plain, .zst, or - for stdin).") var text: String
  @Flag(help: "Scoring mode.") var mode: ScoringMode = .normalized
  @Flag(help: "Also print mean and std of ln Z(h) - lnZ (needs the full softmax).") var selfNormStats = false
  @Option(help: "Cores to use.") var threads = 1

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    BLAS.threads = 1
    try StandardOutput.refuseInputs([(model, "--model"), (text, "--text")])
    let file = try ModelFile.read(path: model, optimizerState: false)
    let log = Log(tool: Self.toolName)
    let report = try TextEvaluation.evaluate(
      text: text, model: file.model, vocabulary: file.vocabulary, mode: mode,
      selfNormalizationStatistics: selfNormStats, threads: threads,
      progress: ProgressMeter(tool: Self.toolName, label: "scoring", unit: "sentences"), warn: { log.warning($0) })
    let out = StandardOutput()
    out.write(report.lines)
    try out.flush()
  }
}

extension ScoringMode: EnumerableFlag {}
