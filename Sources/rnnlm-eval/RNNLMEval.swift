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
      self-normalized model).
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
    let file = try ModelFile.read(path: model)
    try file.model.checkSupports(mode)
    if selfNormStats { try file.model.checkSupports(.normalized) }
    let corpus = try Corpus(path: text, vocabulary: file.vocabulary)
    guard corpus.sentenceCount > 0 else { throw InputError("no sentences", file: text) }
    let sentences = (0..<corpus.sentenceCount).map { corpus.sentence($0) }
    var scorer = SentenceScorer(model: file.model, mode: mode, threads: threads)
    let result = scorer.score(sentences, keepLogNormalizers: false)
    let tokens = corpus.predictionCount
    let meanCost = result.sentenceCosts.reduce(0, +) / Double(tokens)
    let oovRate = 100 * Double(corpus.oovCount) / Double(max(corpus.tokenCount, 1))
    print("\(text): \(corpus.sentenceCount) sentences, \(corpus.tokenCount) words, \(corpus.oovCount) OOVs (\(fmt(oovRate, 2))% mapped to <unk>)")
    switch mode {
    case .normalized:
      print("ppl \(fmt(exp(meanCost), 2)) (mean cost \(fmt(meanCost, 4)) nats over \(tokens) tokens incl. </s>)")
    case .unnormalized:
      print("mean-unnormalized-cost \(fmt(meanCost, 4)) nats per token over \(tokens) tokens incl. </s> (s - lnZ with lnZ = \(file.model.config.normTerm); not a perplexity)")
    }
    if selfNormStats {
      scorer.mode = .normalized
      let offsets = scorer.score(sentences, keepLogNormalizers: true).logNormalizerOffsets
      let mean = offsets.reduce(0.0) { $0 + Double($1) } / Double(max(offsets.count, 1))
      let variance = offsets.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(max(offsets.count, 1))
      print("self-norm ln Z(h) - lnZ: mean \(fmt(mean, 4)) std \(fmt(variance.squareRoot(), 4)) over \(offsets.count) tokens (lnZ = \(file.model.config.normTerm))")
    }
  }

  private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

extension ScoringMode: EnumerableFlag {}
