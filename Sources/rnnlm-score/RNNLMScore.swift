import ArgumentParser
import FileIO
import Foundation
import NCEModel
import ToolSupport

/// `rnnlm-score`: one RNN LM cost per sentence, batched through `SentenceScorer`.
@main
struct RNNLMScore: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rnnlm-score",
    abstract: "Print the RNN LM cost (-ln P(w1..wn </s> | <s>)) of every line of a text.",
    discussion: """
      One line per input line on stdout, in input order: the cost with 6 decimals, or \
      'utt-id cost' with --utt-ids (the text is then a Kaldi table: a path or rspecifier such as \
      ark,t:text, the first field of each line a key, blank lines skipped). Words are separated \
      by Kaldi's whitespace; <s> or </s> inside a sentence is an error, as in rnnlm-eval. Words \
      outside the vocabulary are scored as <unk> without an OOV cost. \
      --unnormalized prints -Σ (s(w,h) - lnZ), lnZ from the model file: no softmax is computed.
      Example: rnnlm-score --model exp/nce.mdl --text data/dev/text --utt-ids --unnormalized
      """)

  @OptionGroup var shared: SharedOptions
  @Option(help: "Model file written by rnnlm-train.") var model: String
  @Option(help: "Text to score: one sentence per line; plain, .zst or '-' (stdin).") var text: String
  @Flag(help: "NCE scores s(w,h) - lnZ instead of the exact log-softmax.")
  var unnormalized = false
  @Flag(help: "The first field of each line is an utterance id, printed before the cost.")
  var uttIds = false
  @Option(help: "Cores for scoring.") var threads = 1

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    try StandardOutput.refuseInputs([(model, "--model"), (text, "--text")])
    let file = try ModelFile.read(path: model, optimizerState: false)
    let mode: ScoringMode = unnormalized ? .unnormalized : .normalized
    try file.model.checkSupports(mode)
    let start = Date()
    let out = StandardOutput()
    var scorer = SentenceScorer(model: file.model, mode: mode, threads: threads)
    scorer.progress = ProgressMeter(tool: Self.toolName, label: "scoring", unit: "sentences")
    let summary = try TextScoring.score(
      text: text, keyed: uttIds, vocabulary: file.vocabulary, scorer: scorer, warn: { log.warning($0) },
      output: { out.write($0 + "\n") })
    try out.flush()
    log.info(
      "scored \(summary.sentences) sentences, \(summary.words) words (\(summary.oovs) OOV scored as <unk>), \(mode.rawValue), in \(String(format: "%.2f", Date().timeIntervalSince(start))) s"
    )
  }
}
