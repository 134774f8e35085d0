import Foundation
import FileIO
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
  /// sweep over OOV costs). Throws an `InputError` naming the hypothesis when a needed cost is
  /// missing.
  public static func interpolatedCost(
    _ hypothesis: NBestHypothesis, utteranceID: String, rnnWeight w: Double, interpolation: LMInterpolation,
    oovCostShift: Double = 0
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

  /// Index of the best hypothesis of `list` (lowest total cost, lowest index on ties).
  /// Throws for an empty list or a missing cost.
  public static func bestIndex(
    of list: NBestList, rnnWeight: Double, interpolation: LMInterpolation, lmWeight: Double, insertionPenalty: Double
  ) throws -> Int {
    guard !list.hypotheses.isEmpty else { throw InputError("utterance '\(list.utteranceID)' has no hypotheses") }
    var best = 0
    var bestCost = Double.infinity
    for (index, hypothesis) in list.hypotheses.enumerated() {
      let cost = totalCost(
        acousticCost: hypothesis.acousticCost,
        interpolatedCost: try interpolatedCost(
          hypothesis, utteranceID: list.utteranceID, rnnWeight: rnnWeight, interpolation: interpolation),
        wordCount: hypothesis.words.count, lmWeight: lmWeight, insertionPenalty: insertionPenalty)
      if cost < bestCost {
        best = index
        bestCost = cost
      }
    }
    return best
  }
}
