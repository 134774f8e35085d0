import FileIO
import Foundation
import NCECore

/// Kaldi's combination of acoustic, graph and LM costs and its decision rule. Costs are `-ln p`.
///
/// - interpolated cost, log-linear (Kaldi `lmwt.interp.<w>`): `nolm + w*rnn + (1-w)*lmonly`;
///   linear: `nolm - Σ_i ln(w e^{-rnn_i} + (1-w) e^{-ngram_i})` over words and `</s>`.
/// - total cost for LM weight `LMWT` and insertion penalty `wip`:
///   `acwt/LMWT + interp + wip * n_words`; the best hypothesis minimises it (lowest rank on ties).
///
/// A model with weight 0 is not needed: `w = 0` uses only the n-gram costs, `w = 1` only the RNN.
public enum ScoreCombination {
  /// The interpolated cost (graph + combined LM) of `hypothesis` for RNN weight `rnnWeight`,
  /// with `oovCostShift` added to the RNN cost of each word outside the RNN's vocabulary (a
  /// sweep over OOV costs). Throws an `InputError` naming the utterance and the hypothesis when
  /// a needed cost is missing, when linear interpolation gets a weight outside [0, 1], and when
  /// the result is NaN (never passed on: a NaN would lose every comparison of the decision).
  public static func interpolatedCost(
    _ hypothesis: NBestHypothesis, utteranceID: String, rnnWeight w: Double, interpolation: LMInterpolation,
    oovCostShift: Double = 0
  ) throws -> Double {
    let cost = try combinedCost(
      hypothesis, utteranceID: utteranceID, rnnWeight: w, interpolation: interpolation, oovCostShift: oovCostShift)
    guard !cost.isNaN else {
      throw InputError(
        "utterance '\(utteranceID)', hypothesis '\(utteranceID)-\(hypothesis.rank)': combining the costs gave NaN (rnn weight \(w), \(interpolation.rawValue); RNN cost \(hypothesis.rnnCost.map { "\($0)" } ?? "none"), n-gram cost \(hypothesis.ngramCost.map { "\($0)" } ?? "none"), graph cost \(hypothesis.graphCost))"
      )
    }
    return cost
  }

  /// Throws an `InputError` naming the utterance and the hypothesis when one of its costs is
  /// NaN (a NaN loses every comparison, so it would silently never be selected, or always be).
  /// Infinite costs are allowed: an impossible path, never selected while another one is possible.
  public static func checkCosts(of hypothesis: NBestHypothesis, utteranceID: String) throws {
    func fail(_ what: String) -> InputError {
      InputError("utterance '\(utteranceID)', hypothesis '\(utteranceID)-\(hypothesis.rank)': \(what) is NaN")
    }
    if hypothesis.acousticCost.isNaN { throw fail("the acoustic cost") }
    if hypothesis.graphCost.isNaN { throw fail("the graph cost") }
    if hypothesis.ngramCost?.isNaN == true { throw fail("the n-gram cost") }
    if hypothesis.rnnCost?.isNaN == true { throw fail("the RNN cost") }
    if let i = hypothesis.ngramWordCosts?.firstIndex(where: \.isNaN) { throw fail("the n-gram cost of word \(i + 1)") }
    if let i = hypothesis.rnnWordCosts?.firstIndex(where: \.isNaN) { throw fail("the RNN cost of word \(i + 1)") }
  }

  private static func combinedCost(
    _ hypothesis: NBestHypothesis, utteranceID: String, rnnWeight w: Double, interpolation: LMInterpolation,
    oovCostShift: Double
  ) throws -> Double {
    func missing(_ what: String) -> InputError {
      InputError("hypothesis '\(utteranceID)-\(hypothesis.rank)' has no \(what)")
    }
    switch interpolation {
    case .logLinear:
      var lm = 0.0
      if w != 0 {
        guard let rnn = hypothesis.rnnCost else { throw missing("RNN LM cost") }
        lm += w * (rnn + oovCostShift * Double(hypothesis.oovPositions.count))
      }
      if w != 1 {
        guard let ngram = hypothesis.ngramCost else { throw missing("n-gram LM cost (lmwt.lmonly or --arpa)") }
        lm += (1 - w) * ngram
      }
      return hypothesis.graphCost + lm
    case .linear:
      guard (0...1).contains(w) else {
        throw InputError(
          "hypothesis '\(utteranceID)-\(hypothesis.rank)': linear interpolation needs an RNN weight in [0, 1], got \(w)"
        )
      }
      if w == 0 {
        guard let ngram = hypothesis.ngramCost else { throw missing("n-gram LM cost (lmwt.lmonly or --arpa)") }
        return hypothesis.graphCost + ngram
      }
      if w == 1 {
        guard let rnn = hypothesis.rnnCost else { throw missing("RNN LM cost") }
        return hypothesis.graphCost + rnn + oovCostShift * Double(hypothesis.oovPositions.count)
      }
      guard var rnn = hypothesis.rnnWordCosts else { throw missing("per-word RNN LM costs") }
      for i in hypothesis.oovPositions { rnn[i] += oovCostShift }
      guard let ngram = hypothesis.ngramWordCosts else { throw missing("per-word n-gram costs (use --arpa)") }
      guard rnn.count == ngram.count else {
        throw InputError(
          "hypothesis '\(utteranceID)-\(hypothesis.rank)': \(rnn.count) RNN word costs but \(ngram.count) n-gram word costs"
        )
      }
      return hypothesis.graphCost + linearInterpolatedCost(rnnWordCosts: rnn, ngramWordCosts: ngram, rnnWeight: w)
    }
  }

  /// `-Σ_i ln(w e^{-r_i} + (1-w) e^{-g_i})` for per-word costs `r` (RNN) and `g` (n-gram) of
  /// equal length, `0 < w < 1`; computed stably in log space (infinite costs allowed).
  public static func linearInterpolatedCost(rnnWordCosts r: [Double], ngramWordCosts g: [Double], rnnWeight w: Double)
    -> Double
  {
    precondition(r.count == g.count, "per-word cost arrays must have equal length")
    let logW = Foundation.log(w)
    let logOneMinusW = Foundation.log1p(-w)
    var total = 0.0
    for i in r.indices {
      let a = logW - r[i]
      let b = logOneMinusW - g[i]
      let high = max(a, b)
      if high == -.infinity {
        total += .infinity
        continue
      }
      total -= high + Foundation.log1p(Foundation.exp(min(a, b) - high))
    }
    return total
  }

  /// Kaldi's decision cost `acwt/LMWT + interp + wip * n_words`.
  @inline(__always)
  public static func totalCost(
    acousticCost: Double, interpolatedCost: Double, wordCount: Int, lmWeight: Double, insertionPenalty: Double
  ) -> Double {
    acousticCost / lmWeight + interpolatedCost + insertionPenalty * Double(wordCount)
  }

  /// The decision rule's argmin over `count` hypotheses: the lowest `totalCost(h)`, and on
  /// equal costs the lower `rank(h)` (not the earlier position: a list need not be in rank
  /// order). The one tie rule of `bestIndex(of:...)` and of `WeightSweep`'s two passes.
  @inline(__always)
  public static func argmin(count: Int, rank: (Int) -> Int, totalCost: (Int) -> Double) -> Int {
    var best = 0
    var bestCost = totalCost(0)
    var h = 1
    while h < count {
      let cost = totalCost(h)
      if cost < bestCost || (cost == bestCost && rank(h) < rank(best)) {
        best = h
        bestCost = cost
      }
      h += 1
    }
    return best
  }

  /// Index of the best hypothesis of `list` (lowest total cost, lowest rank on ties).
  /// Throws for an empty list, a missing cost or a NaN.
  public static func bestIndex(
    of list: NBestList, rnnWeight: Double, interpolation: LMInterpolation, lmWeight: Double, insertionPenalty: Double
  ) throws -> Int {
    guard !list.hypotheses.isEmpty else { throw InputError("utterance '\(list.utteranceID)' has no hypotheses") }
    var costs: [Double] = []
    for hypothesis in list.hypotheses {
      try checkCosts(of: hypothesis, utteranceID: list.utteranceID)
      costs.append(
        totalCost(
          acousticCost: hypothesis.acousticCost,
          interpolatedCost: try interpolatedCost(
            hypothesis, utteranceID: list.utteranceID, rnnWeight: rnnWeight, interpolation: interpolation),
          wordCount: hypothesis.words.count, lmWeight: lmWeight, insertionPenalty: insertionPenalty))
    }
    return argmin(count: costs.count, rank: { list.hypotheses[$0].rank }, totalCost: { costs[$0] })
  }
}
