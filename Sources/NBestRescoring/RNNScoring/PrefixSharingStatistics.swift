/// What prefix sharing saved when scoring N-best lists with `NBestRNNScorer`.
public struct PrefixSharingStatistics: Sendable, Equatable {
  /// Hypotheses scored.
  public var hypotheses = 0
  /// Distinct word sequences among them (per chunk; identical hypotheses are scored once).
  public var distinctHypotheses = 0
  /// Predicted tokens (words + `</s>`) over all hypotheses: the forward steps and output
  /// scores flat scoring would compute.
  public var flatTokens = 0
  /// Forward steps through the prefix trees (tree nodes, roots included).
  public var treeSteps = 0
  /// Output scores computed in the trees: one per edge plus one `</s>` per distinct sentence
  /// (unnormalized: dot products; normalized: the log-softmax rows are `treeSteps`).
  public var treeTargets = 0

  public init() {}

  /// Fraction of forward steps saved relative to flat scoring.
  public var stepSaving: Double { flatTokens == 0 ? 0 : 1 - Double(treeSteps) / Double(flatTokens) }

  public static func + (a: Self, b: Self) -> Self {
    var s = a
    s.hypotheses += b.hypotheses
    s.distinctHypotheses += b.distinctHypotheses
    s.flatTokens += b.flatTokens
    s.treeSteps += b.treeSteps
    s.treeTargets += b.treeTargets
    return s
  }
}
