import FileIO
import Foundation
import NCECore
import WERScoring

/// Selects the best hypothesis of every utterance for each point of a grid of RNN weights,
/// LM weights and insertion penalties (and optionally OOV costs), and scores the selections
/// against references under `ScoringRules` (score_kaldi.sh's filtering, compute-wer's modes
/// and normalization).
///
/// Streaming: feed lists one at a time with `add(_:)`. For each utterance it computes the
/// edit counts of every hypothesis once (they do not depend on the weights) and the
/// interpolated cost for each RNN weight once, then for every grid point picks the argmin
/// hypothesis and adds its edit counts to that point's `WERSummary`. With a hypothesis filter
/// command the edit counts need the filter's output, which comes only once every list is in:
/// the lists are then scored in `run()`, read back from the scratch file in step with the
/// filter's output. Memory is O(settings) plus the references and one utterance, whatever the
/// number of utterances; time is O(settings x hypotheses). The number of settings is bounded
/// (`maximumSettings`) when the sweep is created, before any list is scored.
///
/// An OOV-cost grid replaces the scorer's OOV cost `baseOOVCost` by each value (the RNN cost
/// of every word outside the vocabulary shifts by the difference; no rescoring), one
/// interpolated cost per (RNN weight, OOV cost) pair. The lists are spilled to an unlinked
/// scratch file (`DecisionScratchFile`) so that the best setting's selection, known only after
/// the last utterance, is replayed by a second pass (`forEachSelectedLine`) with the same
/// costs and the same rule. Ties go to the lower rank; among settings with equal errors the
/// first in grid order (RNN weight, then OOV cost, then LMWT, then wip) is the best.
///
/// Costs are checked as they come (`ScoreCombination.checkCosts`): a NaN cost, or a NaN from
/// combining them, is an error naming the utterance and hypothesis.
///
/// References follow `compute-wer`: the reference keys are iterated; an utterance with a
/// reference but no N-best list is handled by `rules.mode`; an N-best utterance without a
/// reference is not scored but still gets a best hypothesis. Without references only one
/// setting is allowed.
public final class WeightSweep {
  /// At most this many settings (the product of the grid sizes). Memory is about 400 bytes per
  /// setting (its totals, its labels, its report line and `wer_*` file) and the time per
  /// hypothesis is one cost evaluation per setting. Measured at this bound on nbest-dev (7,435
  /// hypotheses, `--reuse-rnn-costs`, debug build): 71 MB peak RSS; at 10,000 settings the
  /// sweep took 8 s before its first output line. A larger product is almost always a typo.
  public static let maximumSettings = 100_000

  /// What an utterance's candidates came from, for the messages about missing ones.
  public enum InputKind: Sendable {
    case nbestList, lattice

    var name: String { self == .nbestList ? "N-best list" : "lattice" }
    var withArticle: String { self == .nbestList ? "an N-best list" : "a lattice" }
    var plural: String { self == .nbestList ? "lists" : "lattices" }
  }

  public let settings: [SweepSetting]
  public let inputKind: InputKind
  /// For each setting, the index of its (RNN weight, OOV cost) pair in `slots`.
  private let settingSlots: [Int]
  public let interpolation: LMInterpolation
  public let rules: ScoringRules
  /// The (RNN weight, OOV cost shift) pairs whose interpolated costs are computed per hypothesis.
  private let slots: [(rnnWeight: Double, oovCostShift: Double)]
  /// The reference keys in file order (nil without references); their words are kept only
  /// as interned, normalized ids.
  private let referenceKeys: [String]?
  private let referenceIndex: [String: Int]
  private var interner = WordInterner()
  private var scratch = EditDistanceScratch()
  private var normalizedReferences: [[Int32]] = []

  /// Per setting, the running totals over the utterances scored so far.
  private var summaries: [WERSummary]
  /// Per reference, whether its utterance has been added.
  private var referenceSeen: [Bool]
  private var seenUtterances: Set<String> = []
  private let decisions: DecisionScratchFile
  /// The hypothesis filter's input, written by `add(_:)` and read back by `run()`.
  private var filterRun: TextFilterCommand.Run?
  /// Per-utterance work buffers (reused): edit counts per hypothesis, and interpolated costs
  /// `[slot * hypotheses + h]`.
  private var editCounts: [EditCounts] = []
  private var interpolatedCosts: [Double] = []
  public private(set) var utteranceCount = 0
  public private(set) var hypothesisCount = 0

  /// `references` nil: no scoring (then every grid must have one value). `oovCosts` (with the
  /// scorer's `baseOOVCost`) adds OOV costs to the grid, after the RNN weight. The scratch
  /// files go to `scratchDirectory` (the lists' file is unlinked at once; a filter's input
  /// lives until the filter has run). Throws before anything is scored when the grids give
  /// more than `maximumSettings` settings, when an LM weight is not positive or an OOV cost
  /// negative, and for RNN weights that `interpolation` cannot use; runs the reference filter.
  public init(
    rnnWeights: WeightGrid, lmWeights: WeightGrid, insertionPenalties: WeightGrid, oovCosts: WeightGrid? = nil,
    baseOOVCost: Double = 0, interpolation: LMInterpolation = .logLinear, references: [(key: String, words: [String])]?,
    rules: ScoringRules = ScoringRules(), scratchDirectory: String = NSTemporaryDirectory(),
    inputKind: InputKind = .nbestList
  ) throws {
    self.inputKind = inputKind
    let settingCount = try Self.settingCount(
      rnnWeights: rnnWeights, lmWeights: lmWeights, insertionPenalties: insertionPenalties, oovCosts: oovCosts)
    try interpolation.checkRNNWeights(rnnWeights)
    let oovChoices: [(value: Double, label: String)?] =
      oovCosts.map { grid in
        zip(grid.values, grid.labels).map { (value: $0, label: $1) }
      } ?? [nil]
    for choice in oovChoices {
      if let choice, !(choice.value >= 0) { throw InputError("an OOV cost must be >= 0, got \(choice.label)") }
    }
    for (lmwt, label) in zip(lmWeights.values, lmWeights.labels) where !(lmwt > 0) {
      throw InputError("the LM weight must be positive, got \(label)")
    }
    if references == nil && settingCount > 1 {
      throw InputError("a sweep over \(settingCount) weight settings needs a reference text to choose from")
    }
    var settings: [SweepSetting] = []
    settings.reserveCapacity(settingCount)
    var settingSlots: [Int] = []
    settingSlots.reserveCapacity(settingCount)
    var slots: [(rnnWeight: Double, oovCostShift: Double)] = []
    for (w, wLabel) in zip(rnnWeights.values, rnnWeights.labels) {
      for oov in oovChoices {
        let slot = slots.count
        slots.append((w, oov.map { $0.value - baseOOVCost } ?? 0))
        for (lmwt, lmwtLabel) in zip(lmWeights.values, lmWeights.labels) {
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
    self.settings = settings
    self.settingSlots = settingSlots
    self.slots = slots
    self.interpolation = interpolation
    self.rules = rules
    var references = references
    if let filter = rules.referenceFilter, let table = references {
      references = try filter.apply(to: table, directory: scratchDirectory)
    }
    self.referenceKeys = references?.map(\.key)
    var index: [String: Int] = [:]
    for (i, reference) in (references ?? []).enumerated() {
      index[reference.key] = i
      normalizedReferences.append(interner.ids(rules.normalizer.normalize(reference.words)))
    }
    referenceIndex = index
    referenceSeen = Array(repeating: false, count: references?.count ?? 0)
    summaries = Array(repeating: WERSummary(), count: settings.count)
    decisions = try DecisionScratchFile(directory: scratchDirectory)
    if let filter = rules.hypothesisFilter, references != nil {
      filterRun = try TextFilterCommand.Run(filter: filter, directory: scratchDirectory)
    }
  }

  /// The number of settings of the grids (RNN weights x OOV costs x LM weights x insertion
  /// penalties); throws, naming the sizes and the limit, above `maximumSettings`.
  public static func settingCount(
    rnnWeights: WeightGrid, lmWeights: WeightGrid, insertionPenalties: WeightGrid, oovCosts: WeightGrid?
  ) throws -> Int {
    var sizes = [
      (rnnWeights.values.count, "RNN weights"), (lmWeights.values.count, "LM weights"),
      (insertionPenalties.values.count, "insertion penalties"),
    ]
    if let oovCosts { sizes.append((oovCosts.values.count, "OOV costs")) }
    // Each grid has at most WeightGrid.maximumCount (1e4) values: the product fits in an Int.
    let count = sizes.reduce(1) { $0 * $1.0 }
    guard count <= maximumSettings else {
      throw InputError(
        "the grids give \(count) settings (\(sizes.map { "\($0.0) \($0.1)" }.joined(separator: " x "))), more than the limit of \(maximumSettings): the sweep keeps totals per setting and tries every setting on every hypothesis; use coarser grids"
      )
    }
    return count
  }

  /// Adds one utterance: checks and combines its costs, selects its best hypothesis at every
  /// grid point and adds the edit counts to that point's totals (with a hypothesis filter,
  /// this scoring waits for `run()`).
  public func add(_ list: NBestList) throws {
    guard !list.hypotheses.isEmpty else { throw InputError("utterance '\(list.utteranceID)' has no hypotheses") }
    guard !seenUtterances.contains(list.utteranceID) else {
      throw InputError("utterance '\(list.utteranceID)' given twice")
    }
    for hypothesis in list.hypotheses { try ScoreCombination.checkCosts(of: hypothesis, utteranceID: list.utteranceID) }
    try computeInterpolatedCosts(list)
    seenUtterances.insert(list.utteranceID)
    try decisions.append(list)
    utteranceCount += 1
    hypothesisCount += list.hypotheses.count
    let reference = referenceIndex[list.utteranceID]
    if let reference { referenceSeen[reference] = true }
    if let filterRun {
      for hypothesis in list.hypotheses { try filterRun.write(key: list.utteranceID, words: hypothesis.words) }
      return
    }
    if let reference { score(list, reference: reference) { list.hypotheses[$0].words } }
  }

  /// `interpolatedCosts[slot * hypotheses + h]` for every slot.
  private func computeInterpolatedCosts(_ list: NBestList) throws {
    interpolatedCosts.removeAll(keepingCapacity: true)
    for slot in slots {
      for hypothesis in list.hypotheses {
        interpolatedCosts.append(
          try ScoreCombination.interpolatedCost(
            hypothesis, utteranceID: list.utteranceID, rnnWeight: slot.rnnWeight, interpolation: interpolation,
            oovCostShift: slot.oovCostShift))
      }
    }
  }

  /// Adds the edit counts of `list`'s best hypothesis at every setting to that setting's
  /// totals; `interpolatedCosts` holds the list's costs, `words(h)` the (filtered) words.
  private func score(_ list: NBestList, reference: Int, words: (Int) -> [String]) {
    let count = list.hypotheses.count
    editCounts.removeAll(keepingCapacity: true)
    for h in 0..<count {
      editCounts.append(
        scratch.counts(
          reference: normalizedReferences[reference],
          hypothesis: interner.ids(rules.normalizer.normalize(words(h))), rule: rules.alignment))
    }
    // The hot loop (settings x hypotheses): unchecked buffers, no allocation.
    let settingSlots = self.settingSlots
    let settings = self.settings
    list.hypotheses.withUnsafeBufferPointer { hypotheses in
      interpolatedCosts.withUnsafeBufferPointer { costs in
        editCounts.withUnsafeBufferPointer { edits in
          settings.withUnsafeBufferPointer { settings in
            settingSlots.withUnsafeBufferPointer { settingSlots in
              summaries.withUnsafeMutableBufferPointer { summaries in
                for index in 0..<settings.count {
                  let base = settingSlots[index] * count
                  let best = Self.bestHypothesis(count: count, setting: settings[index], hypotheses: hypotheses) {
                    costs[base + $0]
                  }
                  summaries[index].add(edits[best])
                }
              }
            }
          }
        }
      }
    }
  }

  /// The argmin of `acwt/LMWT + interp + wip * n_words` over `count` hypotheses (the lower
  /// rank on ties): the one decision rule of every pass.
  @inline(__always)
  private static func bestHypothesis(
    count: Int, setting: SweepSetting, hypotheses: UnsafeBufferPointer<NBestHypothesis>,
    interpolatedCost: (Int) -> Double
  ) -> Int {
    ScoreCombination.argmin(
      count: count, rank: { hypotheses[$0].rank },
      totalCost: { h in
        ScoreCombination.totalCost(
          acousticCost: hypotheses[h].acousticCost, interpolatedCost: interpolatedCost(h),
          wordCount: hypotheses[h].words.count, lmWeight: setting.lmWeight, insertionPenalty: setting.insertionPenalty)
      })
  }

  /// Scores the lists held back for the hypothesis filter: runs the filter once on every
  /// hypothesis and reads its output in step with the scratch file.
  private func scoreFilteredHypotheses() throws {
    guard let run = filterRun else { return }
    filterRun = nil
    try run.startReading()
    var filtered: [[String]] = []
    try decisions.forEachList { list in
      filtered.removeAll(keepingCapacity: true)
      for _ in list.hypotheses { filtered.append(try run.next(key: list.utteranceID)) }
      guard let reference = referenceIndex[list.utteranceID] else { return }
      try computeInterpolatedCosts(list)
      score(list, reference: reference) { filtered[$0] }
    }
    try run.finish()
  }

  /// The totals of every setting once all utterances are added, with references that got no
  /// N-best list handled by `rules.mode`. Throws in strict mode when a reference has no N-best
  /// list, and in every mode when no N-best utterance has a reference (nothing to choose by).
  public func run() throws -> WeightSweepReport {
    if let referenceKeys, !referenceSeen.contains(true) {
      throw InputError(
        "none of the \(referenceKeys.count) reference utterances has \(inputKind.withArticle) (\(utteranceCount) \(inputKind.plural) read): no WER to choose the weights by"
      )
    }
    if let referenceKeys, rules.mode == .strict, let first = referenceKeys.indices.first(where: { !referenceSeen[$0] })
    {
      throw InputError(
        "no \(inputKind.name) for reference '\(referenceKeys[first])' (--mode=strict; --mode=present skips it, --mode=all scores it as empty)"
      )
    }
    try scoreFilteredHypotheses()
    var results = summaries
    if let referenceKeys {
      for r in referenceKeys.indices where !referenceSeen[r] {
        for index in results.indices {
          results[index].addMissing()
          if rules.mode == .all {
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
  /// the hypothesis that `settings[setting]` selects, for every utterance added, in input order
  /// (the words as in the N-best lists, not filtered).
  public func forEachSelectedLine(setting: Int, _ body: (String) throws -> Void) throws {
    let chosen = settings[setting]
    let slot = slots[settingSlots[setting]]
    var costs: [Double] = []
    try decisions.forEachList { list in
      costs.removeAll(keepingCapacity: true)
      for hypothesis in list.hypotheses {
        costs.append(
          try ScoreCombination.interpolatedCost(
            hypothesis, utteranceID: list.utteranceID, rnnWeight: slot.rnnWeight, interpolation: interpolation,
            oovCostShift: slot.oovCostShift))
      }
      let best = list.hypotheses.withUnsafeBufferPointer { hypotheses in
        Self.bestHypothesis(count: hypotheses.count, setting: chosen, hypotheses: hypotheses) { costs[$0] }
      }
      let words = list.hypotheses[best].words
      try body(words.isEmpty ? list.utteranceID : list.utteranceID + " " + words.joined(separator: " "))
    }
  }

  /// The selection of `settings[setting]` as a Kaldi `text` (for small sets and tests).
  public func selectedText(setting: Int) throws -> String {
    var text = ""
    try forEachSelectedLine(setting: setting) { text += $0 + "\n" }
    return text
  }
}
