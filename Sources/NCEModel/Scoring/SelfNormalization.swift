import Foundation

/// How far a model's unnormalized costs are from `-ln p`: the per-token offset
/// `ln Σ_w exp s(w,h) - lnZ`, which is 0 for a perfectly self-normalized model. NCE (and the NCE
/// half of `mix`) trains it towards 0; full softmax, sampled softmax and self-contrast never
/// train it, so their unnormalized costs can be off by several nats per word.
public struct SelfNormalization: Sendable, Equatable {
  public var mean: Double
  public var standardDeviation: Double
  /// Predicted tokens measured (words plus `</s>`).
  public var tokens: Int

  /// Measures the offsets on `sentences` with the exact (normalized) forward pass.
  public static func measure(model: RNNLanguageModel, sentences: [ArraySlice<Int32>], threads: Int = 1)
    -> SelfNormalization
  {
    let scorer = SentenceScorer(model: model, mode: .normalized, threads: threads)
    let offsets = scorer.score(sentences, keepLogNormalizers: true).logNormalizerOffsets
    let count = Double(max(offsets.count, 1))
    let mean = offsets.reduce(0.0) { $0 + Double($1) } / count
    let variance = offsets.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
    return SelfNormalization(mean: mean, standardDeviation: variance.squareRoot(), tokens: offsets.count)
  }

  /// The warning a tool prints before scoring `sample` unnormalized with a model whose training
  /// never made its scores self-normalized; nil for NCE and mix models (and for the index GRU,
  /// whose scores have no normalized form to compare with).
  public static func unnormalizedScoringWarning(model: RNNLanguageModel, sample: [ArraySlice<Int32>]) -> String? {
    guard !model.config.loss.trainsSelfNormalization, model.hasNormalizedScores, !sample.isEmpty else { return nil }
    let measured = measure(model: model, sentences: sample)
    return "--unnormalized with a model trained by --loss \(model.config.loss.rawValue), which does not train "
      + "self-normalization: its costs s(w,h) - lnZ differ from -ln p(w|h) by ln Z(h) - lnZ, "
      + "mean \(format(measured.mean)) std \(format(measured.standardDeviation)) nats per token on the first "
      + "\(sample.count) sentences (\(measured.tokens) tokens); normalized scoring gives log-probabilities"
  }

  private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension LossKind {
  /// Whether training drives `ln Σ_w exp s(w,h)` towards the constant `lnZ`.
  public var trainsSelfNormalization: Bool { self == .nce || self == .mix }
}
