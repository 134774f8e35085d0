import FileIO

/// How the RNN LM cost and the old n-gram cost are combined into one LM cost.
public enum LMInterpolation: String, Sendable, Equatable, CaseIterable {
  /// Kaldi's `rnnlmrescore.sh` rule, log-linear on sentence costs:
  /// `w * rnn + (1 - w) * lmonly`.
  case logLinear = "log-linear"
  /// Linear interpolation of per-word probabilities, `λ p_rnn + (1 - λ) p_ngram` for every word
  /// and `</s>`; needs per-word costs from both models.
  case linear
}

extension LMInterpolation {
  /// Throws unless every RNN weight of `grid` can be used with this rule: linear interpolation
  /// mixes probabilities, `w p_rnn + (1 - w) p_ngram`, so it needs `0 <= w <= 1` (outside,
  /// `ln(1 - w)` is NaN); log-linear accepts any finite weight. `option` names the grid.
  public func checkRNNWeights(_ grid: WeightGrid, option: String = "--rnn-weights") throws {
    guard self == .linear else { return }
    if let index = grid.values.firstIndex(where: { !(0...1).contains($0) }) {
      throw InputError(
        "\(option) \(grid.labels[index]): --interpolation linear mixes probabilities, so every RNN weight must be in [0, 1]"
      )
    }
  }
}
