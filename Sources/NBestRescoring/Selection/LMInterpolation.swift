/// How the RNN LM cost and the old n-gram cost are combined into one LM cost.
public enum LMInterpolation: String, Sendable, Equatable, CaseIterable {
  /// Kaldi's `rnnlmrescore.sh` rule, log-linear on sentence costs:
  /// `w * rnn + (1 - w) * lmonly`.
  case logLinear = "log-linear"
  /// Linear interpolation of per-word probabilities, `λ p_rnn + (1 - λ) p_ngram` for every word
  /// and `</s>`; needs per-word costs from both models.
  case linear
}
