import ArgumentParser
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
    try file.model.checkSupports(mode)
    if selfNormStats { try file.model.checkSupports(.normalized) }
    let scorer = SentenceScorer(model: file.model, mode: mode, threads: threads)
    // A second, normalized pass only when the main one is not; it shares the lookup table.
    var normalizedScorer: SentenceScorer?
    if selfNormStats && mode != .normalized {
      normalizedScorer = scorer
      normalizedScorer?.mode = .normalized
    }
    var evaluation = TextEvaluation()
    var selfNormalization = TextEvaluation()
    try Corpus.forEachChunk(path: text, vocabulary: file.vocabulary) { chunk in
      evaluation.add(chunk, scorer: scorer, offsets: selfNormStats && mode == .normalized)
      if let normalizedScorer { selfNormalization.add(chunk, scorer: normalizedScorer, offsets: true) }
    }
    if normalizedScorer == nil { selfNormalization = evaluation }
    let out = StandardOutput()
    let oovRate = 100 * Double(evaluation.oovs) / Double(max(evaluation.words, 1))
    out.write("\(text): \(evaluation.sentences) sentences, \(evaluation.words) words, \(evaluation.oovs) OOVs (\(fmt(oovRate, 2))% mapped to <unk>)\n")
    let tokens = evaluation.predictions
    let meanCost = evaluation.meanCost
    switch mode {
    case .normalized:
      out.write("ppl \(fmt(exp(meanCost), 2)) (mean cost \(fmt(meanCost, 4)) nats over \(tokens) tokens incl. </s>)\n")
    case .unnormalized:
      out.write("mean-unnormalized-cost \(fmt(meanCost, 4)) nats per token over \(tokens) tokens incl. </s> (s - lnZ with lnZ = \(file.model.config.normTerm); not a perplexity)\n")
    }
    if selfNormStats {
      let mean = selfNormalization.offsetMean
      let std = selfNormalization.offsetStandardDeviation
      out.write("self-norm ln Z(h) - lnZ: mean \(fmt(mean, 4)) std \(fmt(std, 4)) over \(selfNormalization.offsetCount) tokens (lnZ = \(file.model.config.normTerm))\n")
    }
    try out.flush()
  }

  private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

extension ScoringMode: EnumerableFlag {}
