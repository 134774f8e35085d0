import Foundation
import FileIO
import NCECore
import WERScoring

/// Selects the best hypothesis of every utterance for each point of a grid of RNN weights,
/// LM weights and insertion penalties (and optionally OOV costs), and scores the selections
/// against references.
///
/// Streaming: feed lists one at a time with `add(_:)`. For each utterance it computes the
/// edit counts of every hypothesis once (they do not depend on the weights) and the
/// interpolated cost for each RNN weight once, then for every grid point picks the argmin
/// hypothesis and adds its edit counts to that point's `WERSummary`. Memory is O(grid) plus
/// the references and one utterance; nothing per hypothesis is kept in memory. An OOV-cost
/// grid replaces the scorer's OOV cost `baseOOVCost` by each value (the RNN cost of every word
/// outside the vocabulary shifts by the difference; no rescoring), one interpolated cost per
/// (RNN weight, OOV cost) pair. What the
/// decision needs is spilled to an unlinked scratch file (`DecisionScratchFile`) so that the
/// best setting's selection, known only after the last utterance, is replayed by a second
/// pass (`forEachSelectedLine`), bit-identical to the first. Ties go to the lower rank; among
/// settings with equal errors the first in grid order (RNN weight, then OOV cost, then LMWT,
/// then wip) is the best.
///
/// References follow `compute-wer`: the reference keys are iterated; an utterance with a
/// reference but no N-best list is handled by `mode` (strict: error, present: skipped and
/// counted, all: scored as empty); an N-best utterance without a reference is not scored but
/// still gets a best hypothesis. Without references only one setting is allowed.
public final class WeightSweep {
  public let settings: [SweepSetting]
  /// For each setting, the index of its (RNN weight, OOV cost) pair in `slots`.
  private let settingSlots: [Int]
  public let interpolation: LMInterpolation
  /// The (RNN weight, OOV cost shift) pairs whose interpolated costs are computed per hypothesis.
  private let slots: [(rnnWeight: Double, oovCostShift: Double)]
  /// The reference keys in file order (nil without references); their words are kept only
  /// as interned, normalized ids.
  private let referenceKeys: [String]?
  private let referenceIndex: [String: Int]
  private let rule: AlignmentRule
  private let mode: MissingHypothesisMode
  private let normalizer: TextNormalizer
  private var interner = WordInterner()
  private var scratch = EditDistanceScratch()
  private var normalizedReferences: [[Int32]] = []

  /// Per setting, the running totals over the utterances added so far.
  private var summaries: [WERSummary]
  /// Per reference, whether its utterance has been added.
  private var referenceSeen: [Bool]
  private var seenUtterances: Set<String> = []
  private let decisions: DecisionScratchFile
  /// Per-utterance work buffers (reused): edit counts per hypothesis, and interpolated costs
  /// `[slot * hypotheses + h]`.
  private var editCounts: [EditCounts] = []
  private var interpolatedCosts: [Double] = []
  public private(set) var utteranceCount = 0
  public private(set) var hypothesisCount = 0

  /// `references` nil: no scoring (then every grid must have one value). `oovCosts` (with the
  /// scorer's `baseOOVCost`) adds OOV costs to the grid, after the RNN weight. The scratch
  /// file of the second pass goes to `scratchDirectory` (unlinked at once).
  public init(
    rnnWeights: WeightGrid, lmWeights: WeightGrid, insertionPenalties: WeightGrid, oovCosts: WeightGrid? = nil,
    baseOOVCost: Double = 0, interpolation: LMInterpolation = .logLinear, references: [(key: String, words: [String])]?,
    rule: AlignmentRule = .kaldi, mode: MissingHypothesisMode = .strict, normalizer: TextNormalizer = TextNormalizer(),
    scratchDirectory: String = NSTemporaryDirectory()
  ) throws {
    let oovChoices: [(value: Double, label: String)?] = oovCosts.map { grid in
      zip(grid.values, grid.labels).map { (value: $0, label: $1) }
    } ?? [nil]
    for choice in oovChoices {
      if let choice, !(choice.value >= 0) { throw InputError("an OOV cost must be >= 0, got \(choice.label)") }
    }
    var settings: [SweepSetting] = []
    var settingSlots: [Int] = []
    var slots: [(rnnWeight: Double, oovCostShift: Double)] = []
    for (w, wLabel) in zip(rnnWeights.values, rnnWeights.labels) {
      for oov in oovChoices {
        let slot = slots.count
        slots.append((w, oov.map { $0.value - baseOOVCost } ?? 0))
        for (lmwt, lmwtLabel) in zip(lmWeights.values, lmWeights.labels) {
          guard lmwt > 0 else { throw InputError("the LM weight must be positive, got \(lmwtLabel)") }
          for (wip, wipLabel) in zip(insertionPenalties.values, insertionPenalties.labels) {
            settings.append(
              SweepSetting(
                rnnWeight: w, lmWeight: lmwt, insertionPenalty: wip, rnnWeightLabel: wLabel, lmWeightLabel: lmwtLabel,
                insertionPenaltyLabel: wipLabel, oovCost: oov))
            settingSlots.append(slot)
          }
        }
      }
    }
    if references == nil && settings.count > 1 {
      throw InputError("a sweep over \(settings.count) weight settings needs a reference text to choose from")
    }
    self.settings = settings
    self.settingSlots = settingSlots
    self.slots = slots
    self.interpolation = interpolation
    self.referenceKeys = references?.map(\.key)
    self.rule = rule
    self.mode = mode
    self.normalizer = normalizer
    var index: [String: Int] = [:]
    for (i, reference) in (references ?? []).enumerated() {
      index[reference.key] = i
      normalizedReferences.append(interner.ids(normalizer.normalize(reference.words)))
    }
    referenceIndex = index
    referenceSeen = Array(repeating: false, count: references?.count ?? 0)
    summaries = Array(repeating: WERSummary(), count: settings.count)
    decisions = try DecisionScratchFile(directory: scratchDirectory, slots: slots.count)
  }

  /// Adds one utterance: computes its interpolated costs and edit counts once, selects its
  /// best hypothesis at every grid point and adds the edit counts to that point's totals.
  public func add(_ list: NBestList) throws {
    guard !list.hypotheses.isEmpty else { throw InputError("utterance '\(list.utteranceID)' has no hypotheses") }
    guard !seenUtterances.contains(list.utteranceID) else {
      throw InputError("utterance '\(list.utteranceID)' given twice")
    }
    let count = list.hypotheses.count
    interpolatedCosts.removeAll(keepingCapacity: true)
    for slot in slots {
      for hypothesis in list.hypotheses {
        interpolatedCosts.append(
          try ScoreCombination.interpolatedCost(
            hypothesis, utteranceID: list.utteranceID, rnnWeight: slot.rnnWeight, interpolation: interpolation,
            oovCostShift: slot.oovCostShift))
      }
    }
    seenUtterances.insert(list.utteranceID)
    let costs = interpolatedCosts
    try decisions.append(list) { slot, h in costs[slot * count + h] }
    utteranceCount += 1
    hypothesisCount += count
    guard let reference = referenceIndex[list.utteranceID] else { return }
    referenceSeen[reference] = true
    editCounts.removeAll(keepingCapacity: true)
    for hypothesis in list.hypotheses {
      editCounts.append(
        scratch.counts(
          reference: normalizedReferences[reference],
          hypothesis: interner.ids(normalizer.normalize(hypothesis.words)), rule: rule))
    }
    list.hypotheses.withUnsafeBufferPointer { hypotheses in
      for (index, setting) in settings.enumerated() {
        let slot = settingSlots[index]
        let best = Self.bestHypothesis(
          count: count, setting: setting,
          acousticCost: { hypotheses[$0].acousticCost }, wordCount: { hypotheses[$0].words.count },
          interpolatedCost: { costs[slot * count + $0] })
        summaries[index].add(editCounts[best])
      }
    }
  }

  /// The argmin of `acwt/LMWT + interp + wip * n_words` over `count` hypotheses (the lowest
  /// index on ties): the one decision rule of both passes.
  @inline(__always)
  private static func bestHypothesis(
    count: Int, setting: SweepSetting, acousticCost: (Int) -> Double, wordCount: (Int) -> Int,
    interpolatedCost: (Int) -> Double
  ) -> Int {
    var best = 0
    var bestCost = Double.infinity
    for h in 0..<count {
      let cost = ScoreCombination.totalCost(
        acousticCost: acousticCost(h), interpolatedCost: interpolatedCost(h), wordCount: wordCount(h),
        lmWeight: setting.lmWeight, insertionPenalty: setting.insertionPenalty)
      if cost < bestCost {
        best = h
        bestCost = cost
      }
    }
    return best
  }

  /// The totals of every setting once all utterances are added, with references that got no
  /// N-best list handled by `mode`. Throws in strict mode when a reference has no N-best list,
  /// and in every mode when no N-best utterance has a reference (nothing to choose by).
  public func run() throws -> WeightSweepReport {
    var results = summaries
    if let referenceKeys, !referenceSeen.contains(true) {
      throw InputError(
        "none of the \(referenceKeys.count) reference utterances has an N-best list (\(utteranceCount) lists read): no WER to choose the weights by"
      )
    }
    if let referenceKeys {
      let missing = referenceKeys.indices.filter { !referenceSeen[$0] }
      if mode == .strict, let first = missing.first {
        throw InputError(
          "no N-best list for reference '\(referenceKeys[first])' (--mode=strict; present skips it, all scores it as empty)"
        )
      }
      for r in missing {
        for index in results.indices {
          results[index].addMissing()
          if mode == .all {
            results[index].add(
              EditCounts(deletions: normalizedReferences[r].count, referenceWords: normalizedReferences[r].count))
          }
        }
      }
    }
    var bestIndex = 0
    for index in results.indices where index > 0 && results[index].counts.errors < results[bestIndex].counts.errors {
      bestIndex = index
    }
    return WeightSweepReport(settings: settings, summaries: results, bestIndex: bestIndex, scored: referenceKeys != nil)
  }

  /// Second pass: calls `body` with the Kaldi text line (`utt-id w1 w2 ...`, no newline) of
  /// the hypothesis that `settings[setting]` selects, for every utterance added, in input order.
  public func forEachSelectedLine(setting: Int, _ body: (String) throws -> Void) throws {
    let chosen = settings[setting]
    let slot = settingSlots[setting]
    try decisions.forEachRecord { record in
      let count = record.hypothesisCount
      let best = Self.bestHypothesis(
        count: count, setting: chosen, acousticCost: { record.acousticCosts[$0] },
        wordCount: { record.wordCounts[$0] }, interpolatedCost: { record.interpolatedCosts[slot * count + $0] })
      try body(record.line(best))
    }
  }

  /// The selection of `settings[setting]` as a Kaldi `text` (for small sets and tests).
  public func selectedText(setting: Int) throws -> String {
    var text = ""
    try forEachSelectedLine(setting: setting) { text += $0 + "\n" }
    return text
  }
}
