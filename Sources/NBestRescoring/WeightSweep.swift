import Foundation
import NCECore
import WERScoring

/// Selects the best hypothesis of every utterance for each point of a grid of RNN weights,
/// LM weights and insertion penalties, and scores the selections against references.
///
/// Feed lists one at a time with `add(_:)`: it keeps only what the decision needs per
/// hypothesis (acoustic cost, word count, the interpolated cost for each RNN weight, the
/// edit counts against the reference, the words), so the edit counts, which do not depend
/// on the weights, are computed once. Each grid point is then one argmin per utterance:
/// O(hypotheses) with no alignment. Ties go to the lower rank; among settings with equal
/// errors the first in grid order (RNN weight, then LMWT, then wip) is the best.
///
/// References follow `compute-wer`: the reference keys are iterated; an utterance with a
/// reference but no N-best list is handled by `mode` (strict: error, present: skipped and
/// counted, all: scored as empty); an N-best utterance without a reference is not scored but
/// still gets a best hypothesis. Without references only one setting is allowed.
public final class WeightSweep {
  public let settings: [SweepSetting]
  /// For each setting, the index of its RNN weight in `rnnWeights`.
  private let settingSlots: [Int]
  public let interpolation: LMInterpolation
  private let rnnWeights: WeightGrid
  private let references: [(key: String, words: [String])]?
  private let referenceIndex: [String: Int]
  private let rule: AlignmentRule
  private let mode: MissingHypothesisMode
  private let normalizer: TextNormalizer
  private var interner = WordInterner()
  private var scratch = EditDistanceScratch()
  private var normalizedReferences: [[Int32]] = []

  /// Per utterance, in input order.
  private var utteranceIDs: [String] = []
  private var firstHypothesis: [Int] = [0]
  private var referenceOfUtterance: [Int?] = []
  /// Per hypothesis (flattened over utterances).
  private var acousticCosts: [Double] = []
  private var wordCounts: [Int] = []
  private var words: [[String]] = []
  private var editCounts: [EditCounts] = []
  /// Per RNN weight, per hypothesis.
  private var interpolatedCosts: [[Double]]
  private var seenUtterances: Set<String> = []

  /// `references` nil: no scoring (then every grid must have one value).
  public init(
    rnnWeights: WeightGrid, lmWeights: WeightGrid, insertionPenalties: WeightGrid,
    interpolation: LMInterpolation = .logLinear, references: [(key: String, words: [String])]?,
    rule: AlignmentRule = .kaldi, mode: MissingHypothesisMode = .strict, normalizer: TextNormalizer = TextNormalizer()
  ) throws {
    var settings: [SweepSetting] = []
    var slots: [Int] = []
    for (slot, (w, wLabel)) in zip(rnnWeights.values, rnnWeights.labels).enumerated() {
      for (lmwt, lmwtLabel) in zip(lmWeights.values, lmWeights.labels) {
        guard lmwt > 0 else { throw InputError("the LM weight must be positive, got \(lmwtLabel)") }
        for (wip, wipLabel) in zip(insertionPenalties.values, insertionPenalties.labels) {
          settings.append(
            SweepSetting(
              rnnWeight: w, lmWeight: lmwt, insertionPenalty: wip, rnnWeightLabel: wLabel, lmWeightLabel: lmwtLabel,
              insertionPenaltyLabel: wipLabel))
          slots.append(slot)
        }
      }
    }
    if references == nil && settings.count > 1 {
      throw InputError("a sweep over \(settings.count) weight settings needs a reference text to choose from")
    }
    self.settings = settings
    self.settingSlots = slots
    self.interpolation = interpolation
    self.rnnWeights = rnnWeights
    self.references = references
    self.rule = rule
    self.mode = mode
    self.normalizer = normalizer
    var index: [String: Int] = [:]
    for (i, reference) in (references ?? []).enumerated() {
      index[reference.key] = i
      normalizedReferences.append(interner.ids(normalizer.normalize(reference.words)))
    }
    referenceIndex = index
    interpolatedCosts = Array(repeating: [], count: rnnWeights.values.count)
  }

  /// Adds one utterance: computes its interpolated costs and edit counts once.
  public func add(_ list: NBestList) throws {
    guard !list.hypotheses.isEmpty else { throw InputError("utterance '\(list.utteranceID)' has no hypotheses") }
    guard seenUtterances.insert(list.utteranceID).inserted else {
      throw InputError("utterance '\(list.utteranceID)' given twice")
    }
    let reference = referenceIndex[list.utteranceID]
    for hypothesis in list.hypotheses {
      acousticCosts.append(hypothesis.acousticCost)
      wordCounts.append(hypothesis.words.count)
      words.append(hypothesis.words)
      if let reference {
        editCounts.append(
          scratch.counts(
            reference: normalizedReferences[reference],
            hypothesis: interner.ids(normalizer.normalize(hypothesis.words)),
            rule: rule))
      } else {
        editCounts.append(EditCounts())
      }
      for (slot, w) in rnnWeights.values.enumerated() {
        interpolatedCosts[slot].append(
          try ScoreCombination.interpolatedCost(
            hypothesis, utteranceID: list.utteranceID, rnnWeight: w, interpolation: interpolation))
      }
    }
    utteranceIDs.append(list.utteranceID)
    referenceOfUtterance.append(reference)
    firstHypothesis.append(acousticCosts.count)
  }

  /// For `setting`, whose RNN weight is `rnnWeights.values[slot]`, the selected hypothesis of
  /// every utterance added so far, as an index into the flattened hypotheses.
  private func selections(_ setting: SweepSetting, slot: Int) -> [Int] {
    var chosen: [Int] = []
    chosen.reserveCapacity(utteranceIDs.count)
    acousticCosts.withUnsafeBufferPointer { acoustic in
      interpolatedCosts[slot].withUnsafeBufferPointer { interp in
        wordCounts.withUnsafeBufferPointer { counts in
          for u in utteranceIDs.indices {
            var best = firstHypothesis[u]
            var bestCost = Double.infinity
            for h in firstHypothesis[u]..<firstHypothesis[u + 1] {
              let cost = ScoreCombination.totalCost(
                acousticCost: acoustic[h], interpolatedCost: interp[h], wordCount: counts[h],
                lmWeight: setting.lmWeight, insertionPenalty: setting.insertionPenalty)
              if cost < bestCost {
                best = h
                bestCost = cost
              }
            }
            chosen.append(best)
          }
        }
      }
    }
    return chosen
  }

  /// Evaluates every setting. Throws in strict mode when a reference has no N-best list.
  public func run() throws -> WeightSweepReport {
    var missingReferences: [Int] = []
    if let references {
      let scored = Set(referenceOfUtterance.compactMap { $0 })
      missingReferences = references.indices.filter { !scored.contains($0) }
      if mode == .strict, let first = missingReferences.first {
        throw InputError(
          "no N-best list for reference '\(references[first].key)' (--mode=strict; present skips it, all scores it as empty)"
        )
      }
    }
    var results: [WERSummary] = []
    var bestIndex = 0
    var bestSelection: [Int] = []
    for (index, setting) in settings.enumerated() {
      let chosen = selections(setting, slot: settingSlots[index])
      var summary = WERSummary()
      if let references {
        // Reference order, as compute-wer prints and counts.
        var chosenByReference = [Int?](repeating: nil, count: references.count)
        for (u, reference) in referenceOfUtterance.enumerated() {
          if let reference { chosenByReference[reference] = chosen[u] }
        }
        for (r, hypothesis) in chosenByReference.enumerated() {
          if let hypothesis {
            summary.add(editCounts[hypothesis])
          } else {
            summary.addMissing()
            if mode == .all {
              summary.add(
                EditCounts(deletions: normalizedReferences[r].count, referenceWords: normalizedReferences[r].count))
            }
          }
        }
      }
      results.append(summary)
      if index == 0 || summary.counts.errors < results[bestIndex].counts.errors {
        bestIndex = index
        bestSelection = chosen
      }
    }
    let bestText = zip(utteranceIDs, bestSelection).map { (utteranceID: $0, words: words[$1]) }
    return WeightSweepReport(
      settings: settings, summaries: results, bestIndex: bestIndex, bestHypotheses: bestText, scored: references != nil)
  }
}
