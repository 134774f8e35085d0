import FileIO
import Foundation

/// What `rnnlm-eval` prints, computed by `TextEvaluation.evaluate`.
public struct EvaluationReport: Sendable {
  public var text: String
  public var mode: ScoringMode
  /// `lnZ` of the model (unnormalized costs are `-(s - lnZ)`).
  public var normTerm: Float
  public var evaluation: TextEvaluation
  /// The self-normalization offsets (`--self-norm-stats`), from the normalized pass.
  public var selfNormalization: TextEvaluation?

  /// The result lines (with terminators): counts, then the perplexity or the mean unnormalized
  /// cost (never a perplexity), then the self-normalization statistics if measured.
  public var lines: String {
    let e = evaluation
    let words = Double(max(e.words, 1))
    var out =
      "\(text): \(e.sentences) sentences, \(e.words) words, \(e.oovs) scored as <unk> (\(fmt(100 * Double(e.oovs) / words, 2))%): "
      + "\(e.outOfVocabularyWords) out-of-vocabulary words (\(fmt(100 * Double(e.outOfVocabularyWords) / words, 2))%) "
      + "and \(e.literalUnks) literal <unk> tokens of the text (\(fmt(100 * Double(e.literalUnks) / words, 2))%)\n"
    switch mode {
    case .normalized:
      out +=
        "ppl \(fmt(exp(e.meanCost), 2)) (mean cost \(fmt(e.meanCost, 4)) nats over \(e.predictions) tokens incl. </s>)\n"
    case .unnormalized:
      out +=
        "mean-unnormalized-cost \(fmt(e.meanCost, 4)) nats per token over \(e.predictions) tokens incl. </s> "
        + "(s - lnZ with lnZ = \(normTerm); not a perplexity)\n"
    }
    if let s = selfNormalization {
      out +=
        "self-norm ln Z(h) - lnZ: mean \(fmt(s.offsetMean, 4)) std \(fmt(s.offsetStandardDeviation, 4)) "
        + "over \(s.offsetCount) tokens (lnZ = \(normTerm))\n"
    }
    return out
  }

  private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

extension TextEvaluation {
  /// Sentences of the first piece that measure the self-normalization of a model scored
  /// unnormalized without `--self-norm-stats` (for the warning of `SelfNormalization`).
  static let warningSample = 200

  /// The pipeline of `rnnlm-eval`: streams `text` (any `LineReader` path) in pieces through the
  /// model, under `mode`; with `selfNormalizationStatistics` also the offsets
  /// `ln Σ_w exp s(w,h) - lnZ` (a second, normalized pass when `mode` is unnormalized).
  /// `progress` counts scored sentences; `warn` gets the warnings for unnormalized scoring of a
  /// model whose criterion never trained self-normalization and for lines that look like they
  /// start with utterance ids (`TextScoring`'s check).
  /// Errors: a model that cannot score in `mode` (index GRU: no perplexity), the text's.
  public static func evaluate(
    text: String, model: RNNLanguageModel, vocabulary: Vocabulary, mode: ScoringMode,
    selfNormalizationStatistics: Bool, threads: Int, progress: ProgressMeter? = nil,
    warn: (String) -> Void = { _ in }
  ) throws -> EvaluationReport {
    try model.checkSupports(mode)
    if selfNormalizationStatistics { try model.checkSupports(.normalized) }
    var scorer = SentenceScorer(model: model, mode: mode, threads: threads)
    scorer.progress = progress
    // A second, normalized pass only when the main one is not.
    var normalizedScorer: SentenceScorer?
    if selfNormalizationStatistics && mode != .normalized {
      normalizedScorer = SentenceScorer(model: model, mode: .normalized, threads: threads)
    }
    var evaluation = TextEvaluation()
    var selfNormalization = TextEvaluation()
    var checked = mode == .normalized || selfNormalizationStatistics
    var firstWords = TextScoring.FirstWordCheck(
      advice: "rnnlm-eval reads plain sentences: drop the ids first (e.g. cut -d' ' -f2- text)")
    var idWarning: String?
    let firstWord = { (word: Substring, isOOV: Bool) in
      if let warning = firstWords.add(word, isOOV: isOOV) { idWarning = warning }
    }
    try Corpus.forEachChunk(path: text, vocabulary: vocabulary, firstWord: firstWord) { chunk in
      if let warning = idWarning {
        idWarning = nil
        warn(warning)
      }
      if !checked {
        checked = true
        let sample = (0..<min(chunk.sentenceCount, warningSample)).map { chunk.sentence($0) }
        if let warning = SelfNormalization.unnormalizedScoringWarning(model: model, sample: sample) { warn(warning) }
      }
      evaluation.add(chunk, scorer: scorer, offsets: selfNormalizationStatistics && mode == .normalized)
      if let normalizedScorer { selfNormalization.add(chunk, scorer: normalizedScorer, offsets: true) }
    }
    if let warning = idWarning ?? firstWords.finish() { warn(warning) }
    progress?.finish()
    // Costs of a model with finite weights are finite: anything else is an overflow, and a
    // perplexity of inf or nan would pass for a result.
    guard evaluation.totalCost.isFinite && (!selfNormalizationStatistics || selfNormalization.offsetMean.isFinite)
    else {
      throw InputError(
        "the model's costs on this text are not finite (total cost \(evaluation.totalCost)): its scores overflow",
        file: text)
    }
    if normalizedScorer == nil { selfNormalization = evaluation }
    return EvaluationReport(
      text: text, mode: mode, normTerm: model.config.normTerm, evaluation: evaluation,
      selfNormalization: selfNormalizationStatistics ? selfNormalization : nil)
  }
}
