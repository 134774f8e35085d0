/// How a word's cost is computed from the model's score `s(w, h)`.
public enum ScoringMode: String, Sendable, CaseIterable {
  /// `-ln softmax(s)[w]`: exact, costs a full `[E x V]` product per word.
  case normalized
  /// `-(s(w, h) - lnZ)`: NCE's self-normalized score, one dot product per word.
  case unnormalized
}
