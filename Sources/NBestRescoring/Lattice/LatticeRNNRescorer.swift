import NCECore
import NCEModel

/// RNN rescoring of a lattice expanded to n-gram histories (`LatticeExpansion`), Kaldi's
/// pruned-rescoring merge rule: every expanded state gets the RNN state of the best path into
/// it, and every word arc out of it is scored from that state; optionally pruned (`Pruning`).
///
/// Costs (`-ln`, natural log, `Double`): a word arc gets the RNN cost of its word's tokens in
/// sequence (`LatticeTokenSequences`: one token per word, or several through a word map), each
/// `-ln p(token | history)` (normalized) or `-(s - lnZ)` (unnormalized) plus `oovCost.penalty`
/// when the token is outside the RNN vocabulary (scored as `<unk>`, as rescore-nbest does); a
/// final state gets the cost of `</s>`; epsilon arcs get 0. The expansion's histories stay in
/// lattice words (merging and the ARPA model see words), the RNN state follows the tokens. The
/// new graph cost is rescore-nbest's log-linear rule per arc and final:
/// `g' = g - lm_old + w*rnn + (1-w)*lm_old` (the `rnn` term omitted at `w = 0`, the `lm_old` term
/// at `w = 1`), `lm_old` the old n-gram cost (`OldLMSource`), `w` the RNN weight; acoustic costs
/// are unchanged.
///
/// Direct n-gram features (a model with `output.direct`) are added to every score with the
/// output layer's code, from the LM tokens of the RNN state's own history
/// (`LatticeDirectHistories`, `DirectRows.append` as in training and rescore-nbest): a merged
/// state scores its arcs with the features of the best path it keeps the RNN state of, so every
/// arc cost is the one rescore-nbest gives that path, also when the direct order exceeds the
/// expansion order.
///
/// "Best path into a state" is by the decision cost of the rescored lattice under the given
/// `Weights`: `sum(g') + sum(a)/LMWT + wip * n_words` (`LatticeBestPath`'s rule); ties keep the
/// first path relaxed (levels in order, a level's states by number, a state's arcs in order).
/// When only paths of infinite cost reach a state, its first incoming arc is taken.
///
/// Batching: expanded states are levelled by their longest distance (in arcs) from the start,
/// so a level's predecessors are all in earlier levels. Per level, the states entered by a word
/// advance their best predecessor's RNN state by one `RNNLanguageModel.forward` step (one
/// batch for the whole level, the forward code training and `PrefixTreeScorer` use); states
/// entered by epsilon share their predecessor's RNN state. Then the level's word arcs and `</s>`
/// costs are scored together: one dot product per target, minus `lnZ` (unnormalized) or minus
/// the state's log normalizer (normalized; computed once per RNN state, one logits GEMM per
/// block of new states, and kept: a state is often scored in several levels); words of several tokens
/// take one more batched step per extra token, shared by the arcs with the same state and token.
/// Every RNN state is computed once and kept for its merged history; states of a level entered
/// from one RNN state by the same token share it. Not thread-safe: one
/// rescorer per thread.
public struct LatticeRNNRescorer {
  public let model: RNNLanguageModel
  public let mode: ScoringMode
  public let oovCost: OOVCost
  /// The RNN tokens of each lattice word id.
  public let tokens: LatticeTokenSequences
  let inputProjection: InputProjectionCache

  /// The decision weights that define the best path into a merged state: LM weight
  /// (score_kaldi.sh's LMWT, positive), word insertion penalty, RNN weight `w`.
  public struct Weights: Sendable, Equatable {
    public var lmWeight: Double
    public var insertionPenalty: Double
    public var rnnWeight: Double

    public init(lmWeight: Double, insertionPenalty: Double = 0, rnnWeight: Double) {
      self.lmWeight = lmWeight
      self.insertionPenalty = insertionPenalty
      self.rnnWeight = rnnWeight
    }
  }

  /// The old n-gram LM cost of each arc (indexed like `Lattice.arcs`) and of each final state
  /// (its `</s>`; indexed by state, ignored for non-final states).
  public struct OldLMCosts: Sendable {
    public var arcs: [Double]
    public var finals: [Double]

    public init(arcs: [Double], finals: [Double]) {
      self.arcs = arcs
      self.finals = finals
    }
  }

  /// Best-first pruning of the expansion (`--lattice-compose-beam`, `--max-arcs`), Kaldi's
  /// pruned composition with the original lattice's backward costs as the estimate of the future.
  ///
  /// The estimate of an expanded state is its forward cost in the rescored lattice plus the
  /// original lattice's best cost from its original state to the end (both under `Weights`).
  /// Levels are visited in order; a state is expanded (given an RNN state, its arcs scored) only
  /// if its estimate is within `beam` of the best estimate of its level (the states at the same
  /// distance from the start, so the drift between the new and the old LM along the way cancels)
  /// and fewer than `maxArcs` arcs would then have been expanded. One path is never pruned: the
  /// start is kept, and each kept state on it keeps the successor with the best estimate until a
  /// final state is cheaper than any successor; so the result always has a complete path (if the
  /// lattice has one). States that are not expanded and the arcs into them are dropped, then the
  /// states and arcs from which no final state can be reached. `none` (infinite beam, no arc
  /// limit) expands everything and gives exactly the unpruned result.
  public struct Pruning: Sendable, Equatable {
    /// Beam in decision-cost units (`g + a/LMWT + wip * n`), >= 0; `.infinity` for none.
    public var beam: Double
    /// Maximum expanded arcs per lattice (besides the kept path's), nil for no limit.
    public var maxArcs: Int?

    public init(beam: Double = .infinity, maxArcs: Int? = nil) {
      precondition(beam >= 0, "the beam must be >= 0")
      precondition(maxArcs.map { $0 >= 0 } ?? true, "max arcs must be >= 0")
      self.beam = beam
      self.maxArcs = maxArcs
    }

    public static let none = Pruning()

    var isActive: Bool { beam.isFinite || maxArcs != nil }
  }

  /// The result: `lattice` is the (pruned) expanded lattice with the new graph costs (state `x`
  /// is state `x` of `expansion`, arc `i` its arc `i`; words, acoustic costs, alignments and state
  /// times copied from the original), `arcRNNCosts[i]` the RNN cost of arc `i` (0 for epsilon),
  /// `finalRNNCosts[x]` the `</s>` cost of state `x` (0 when not final), and likewise the old LM
  /// costs that were removed.
  public struct Result: Sendable {
    public var lattice: Lattice
    public var expansion: LatticeExpansion
    public var arcRNNCosts: [Double]
    public var finalRNNCosts: [Double]
    public var arcOldLMCosts: [Double]
    public var finalOldLMCosts: [Double]
    /// Arcs of the full (unpruned) expansion.
    public var unprunedArcCount: Int
    /// RNN forward steps (distinct RNN states computed, the one after `<s>` included).
    public var rnnStates: Int
    /// Token and `</s>` costs computed.
    public var rnnTargets: Int
    /// Forward batches (the `<s>` step, one per level with a word-entered state, one per extra
    /// token position of multi-token words in a level).
    public var batches: Int
  }

  /// `tokens` maps lattice word ids to the model's token sequences
  /// (`LatticeTokenSequences(symbols:vocabulary:wordMap:)`).
  public init(model: RNNLanguageModel, mode: ScoringMode, oovCost: OOVCost, tokens: LatticeTokenSequences) {
    self.model = model
    self.mode = mode
    self.oovCost = oovCost
    self.tokens = tokens
    inputProjection = InputProjectionCache(model: model)
  }

  /// Expands `lattice` (topologically sorted) to `maxNgramOrder` and rescores it without
  /// pruning, the old LM costs given per original arc (or none).
  public func rescore(_ lattice: Lattice, maxNgramOrder: Int, oldLMCosts: OldLMCosts? = nil, weights: Weights)
    throws -> Result
  {
    try rescore(lattice, maxNgramOrder: maxNgramOrder, oldLM: oldLMCosts.map { .given($0) } ?? .none, weights: weights)
  }

  /// Expands `lattice` (topologically sorted) to `maxNgramOrder` (at least the ARPA model's
  /// order with `.arpa`) and rescores it under `pruning`. Throws the lattice's error when it is
  /// not sorted, has a word id outside `tokens` (or the ARPA map), or given old LM costs do not
  /// match its arcs and states.
  public func rescore(
    _ lattice: Lattice, maxNgramOrder: Int, oldLM: OldLMSource, weights: Weights, pruning: Pruning = .none
  ) throws -> Result {
    try rescore([lattice], maxNgramOrder: maxNgramOrder, oldLM: [oldLM], weights: weights, pruning: pruning)[0]
  }

  /// Rescores `lattices` together (`oldLM[i]` for `lattices[i]`): each result is what
  /// `rescore` gives for that lattice alone (up to the float rounding of differently composed
  /// batches), but level `L` of every lattice shares one forward batch and one output batch, so
  /// a thread makes as many GEMM calls for the group as for its longest lattice. On one thread
  /// the output layer's per-call cost dominates small batches (on lattice-dev groups of 16 are
  /// about twice as fast, see docs/lattices.md); memory grows with the group (every lattice
  /// keeps its RNN states until the group is done). Throws the first lattice error.
  public func rescore(
    _ lattices: [Lattice], maxNgramOrder: Int, oldLM: [OldLMSource], weights: Weights, pruning: Pruning = .none
  ) throws -> [Result] {
    precondition(weights.lmWeight > 0 && weights.lmWeight.isFinite, "the LM weight must be positive")
    precondition(oldLM.count == lattices.count, "one old LM source per lattice")
    var runs: [Run] = []
    for (lattice, oldLM) in zip(lattices, oldLM) {
      runs.append(try run(lattice, maxNgramOrder: maxNgramOrder, oldLM: oldLM, weights: weights, pruning: pruning))
    }
    scoreTogether(&runs)
    return runs.map { $0.result() }
  }

  /// A forward cache with the input projection table (shared by one group of runs).
  func makeCache() -> RNNLanguageModel.ForwardCache {
    var cache = model.makeCache()
    cache.inputProjectionTable = inputProjection.table()
    return cache
  }

  /// Checks `lattice` and `oldLM`, expands it and prepares its run.
  private func run(
    _ lattice: Lattice, maxNgramOrder: Int, oldLM: OldLMSource, weights: Weights, pruning: Pruning
  ) throws -> Run {
    var order = maxNgramOrder
    switch oldLM {
    case .none: break
    case .given(let costs):
      if costs.arcs.count != lattice.arcs.count || costs.finals.count != lattice.stateCount {
        throw lattice.error(
          "\(costs.arcs.count) old LM arc costs and \(costs.finals.count) final costs for \(lattice.arcs.count) arcs and \(lattice.stateCount) states"
        )
      }
    case .arpa(let model, let wordIDs):
      order = max(order, model.order)
      if let arc = lattice.arcs.first(where: { Int($0.word) >= wordIDs.count }) {
        throw lattice.error("word id \(arc.word) is not in the ARPA word map")
      }
    }
    if let arc = lattice.arcs.first(where: { $0.word < 0 || Int($0.word) >= tokens.wordCount }) {
      throw lattice.error("word id \(arc.word) is not in the symbol table")
    }
    let expansion = try LatticeExpansion(lattice, maxNgramOrder: order)
    let old = Self.oldLMCosts(oldLM, lattice: lattice, expansion: expansion)
    return Run(
      rescorer: self, lattice: lattice, expansion: expansion, oldArcCosts: old.arcs, oldFinalCosts: old.finals,
      weights: weights, pruning: pruning)
  }

  /// Scores `runs` level by level in lockstep: per level one forward batch for the states of
  /// all runs entered by a word, one output batch for their first tokens and `</s>`.
  private func scoreTogether(_ runs: inout [Run]) {
    var rng = SeededGenerator(seed: 0)  // unused: no dropout at evaluation
    var cache = makeCache()
    let started = runs.indices.filter { runs[$0].expansion.stateCount > 0 }
    guard !started.isEmpty else { return }
    // The state after <s>, from the initial state: the same for every run.
    var initial = model.initialState(batch: 1)
    let afterStart = model.forward(
      inputs: [Vocabulary.bosID], steps: 1, states: &initial, cache: &cache, training: false, using: &rng)
    for r in started { runs[r].start(states: initial, output: afterStart) }
    let levels = runs.map { $0.levels() }
    let levelCount = levels.map(\.count).max() ?? 0
    let layers = model.config.layers
    let hiddenSize = model.config.hiddenSize
    let width = model.config.embeddingSize
    // The direct features of each level's output rows (models with direct features), reused.
    var levelDirect = model.output.direct.map { DirectRows(for: $0) }
    for depth in 0..<levelCount {
      var live = [[Int32]](repeating: [], count: runs.count)
      for r in started where depth < levels[r].count {
        live[r] = runs[r].pruning.isActive ? runs[r].select(levels[r][depth]) : levels[r][depth]
      }
      // One forward step for the word-entered states of every run.
      var hidden = [[Float]](repeating: [], count: layers)
      var cell = [[Float]](repeating: [], count: layers)
      var inputs: [Int32] = []
      var counts = [Int](repeating: 0, count: runs.count)
      for r in started where !live[r].isEmpty {
        let request = runs[r].prepareAdvance(live[r])
        guard !request.inputs.isEmpty else { continue }
        for layer in 0..<layers {
          runs[r].appendRows(
            of: runs[r].bankHidden[layer], width: hiddenSize, rows: request.sources, to: &hidden[layer])
          if !runs[r].bankCell[layer].isEmpty {
            runs[r].appendRows(of: runs[r].bankCell[layer], width: hiddenSize, rows: request.sources, to: &cell[layer])
          }
        }
        inputs.append(contentsOf: request.inputs)
        counts[r] = request.inputs.count
      }
      if !inputs.isEmpty {
        var states = (0..<layers).map { layer in
          RecurrentState(
            hidden: Matrix(rows: inputs.count, cols: hiddenSize, storage: hidden[layer]),
            cell: cell[layer].isEmpty
              ? Matrix(rows: 0, cols: 0) : Matrix(rows: inputs.count, cols: hiddenSize, storage: cell[layer]))
        }
        let output = model.forward(
          inputs: inputs, steps: 1, states: &states, cache: &cache, training: false, using: &rng)
        var offset = 0
        for r in started where counts[r] > 0 {
          runs[r].finishAdvance(states: states, output: output, rows: offset..<(offset + counts[r]))
          offset += counts[r]
        }
      }
      // One output batch for the first tokens and </s> of every run.
      var outputRows: [Float] = []
      var rows: [Int32] = []
      var targets: [Int32] = []
      var targetCounts = [Int](repeating: 0, count: runs.count)
      var rowOwners: [(run: Int, bankRow: Int32)] = []
      levelDirect?.removeAll()
      for r in started where !live[r].isEmpty {
        runs[r].prepareScores(live[r])
        for bankRow in runs[r].scratchBankRows { rowOwners.append((r, bankRow)) }
        if levelDirect != nil {
          runs[r].directHistories!.appendDirectRows(of: runs[r].scratchBankRows, to: &levelDirect!)
        }
        let rowOffset = Int32(outputRows.count / width)
        runs[r].appendRows(of: runs[r].bankOutput, width: width, rows: runs[r].scratchBankRows, to: &outputRows)
        rows.append(contentsOf: runs[r].scratchRows.lazy.map { $0 + rowOffset })
        targets.append(contentsOf: runs[r].scratchTargets)
        targetCounts[r] = runs[r].scratchTargets.count
      }
      var logProbabilities: [Float] = []
      if !targets.isEmpty {
        let hidden = Matrix(rows: outputRows.count / width, cols: width, storage: outputRows)
        switch mode {
        case .unnormalized:
          logProbabilities = PrefixTreeScorer(model: model, mode: mode).targetLogProbabilities(
            hidden, rows: rows, targets: targets, direct: levelDirect)
        case .normalized:
          logProbabilities = normalizedLogProbabilities(
            hidden, rows: rows, targets: targets, direct: levelDirect, owners: rowOwners, runs: &runs)
        }
      }
      var offset = 0
      for r in started where !live[r].isEmpty {
        runs[r].applyScores(logProbabilities[offset..<(offset + targetCounts[r])], cache: &cache)
        offset += targetCounts[r]
        runs[r].relax(live[r])
      }
    }
  }

  /// `ln p(targets[i] | hidden[rows[i]])`: `s(w, h) - ln Z(h)`, one dot product per target;
  /// `ln Z` of an RNN state is computed once (one logits GEMM per block of 256 new states) and
  /// kept in its run (`owners[row]`: the run and bank row of each row of `hidden`), so a state
  /// scored in several levels (epsilon successors, shared steps) costs its softmax once.
  /// `direct`: the direct features of every row of `hidden`, given exactly when the model has them
  /// (a bank row's features are fixed by its token history, so its cached `ln Z` stays valid).
  private func normalizedLogProbabilities(
    _ hidden: Matrix, rows: [Int32], targets: [Int32], direct: DirectRows?, owners: [(run: Int, bankRow: Int32)],
    runs: inout [Run]
  ) -> [Float] {
    var normalizers = [Float](repeating: 0, count: hidden.rows)
    var missing: [Int32] = []
    for (row, owner) in owners.enumerated() {
      let cached = runs[owner.run].logNormalizers[Int(owner.bankRow)]
      if cached.isNaN { missing.append(Int32(row)) } else { normalizers[row] = cached }
    }
    if !missing.isEmpty {
      let newRows = missing.withUnsafeBufferPointer { hidden.gatheringRows($0) }
      let newDirect = direct.map { d in missing.withUnsafeBufferPointer { d.gathering(rows: $0) } }
      let v = model.output.vocabularySize
      var logits = Matrix(rows: 0, cols: 0)
      var start = 0
      while start < newRows.rows {
        let end = min(newRows.rows, start + 256)
        model.output.logits(newRows.rows(start..<end), into: &logits, direct: newDirect, firstDirectRow: start)
        logits.withUnsafeBufferPointer { l in
          for k in start..<end {
            let normalizer = VectorMath.logSumExp(l.baseAddress! + (k - start) * v, count: v)
            let row = Int(missing[k])
            normalizers[row] = normalizer
            runs[owners[row].run].logNormalizers[Int(owners[row].bankRow)] = normalizer
          }
        }
        start = end
      }
    }
    let gathered = rows.withUnsafeBufferPointer { hidden.gatheringRows($0) }
    let gatheredDirect = direct.map { d in rows.withUnsafeBufferPointer { d.gathering(rows: $0) } }
    var scores = targets.withUnsafeBufferPointer {
      model.output.targetScores(gathered, targets: $0, direct: gatheredDirect)
    }
    for i in scores.indices { scores[i] -= normalizers[Int(rows[i])] }
    return scores
  }

  /// `g - lm_old + w*rnn + (1-w)*lm_old`, the terms of weight 0 omitted.
  @inline(__always)
  static func interpolatedGraphCost(graph: Double, oldLM: Double, rnn: Double, rnnWeight w: Double) -> Double {
    var cost = graph - oldLM
    if w != 0 { cost += w * rnn }
    if w != 1 { cost += (1 - w) * oldLM }
    return cost
  }

  /// One rescoring: the expanded lattice's costs and the bank of computed RNN states.
  private struct Run {
    let rescorer: LatticeRNNRescorer
    let lattice: Lattice
    let expansion: LatticeExpansion
    let oldArcCosts: [Double]
    let oldFinalCosts: [Double]
    let weights: Weights
    let pruning: Pruning
    /// The first and one-past-last token index of each expanded arc's word (copied so the
    /// per-arc loops read flat arrays).
    let arcWords: [Int32]
    var arcRNNCosts: [Double]
    var finalRNNCosts: [Double]
    var newGraphCosts: [Double]
    var newFinalGraphCosts: [Double]
    /// Best decision cost into each expanded state, and the expanded arc and state it comes by.
    var best: [Double]
    var bestArc: [Int32]
    var bestSource: [Int32]
    /// The RNN state (bank row) of each expanded state.
    var node: [Int32]
    /// For an arc whose word has several tokens: the bank row after all its tokens but the last.
    var prefixRow: [Int32]
    /// Pruning: the original lattice's backward costs, the kept path, expanded states, kept arcs.
    var backward: [Double] = []
    var forced: [Bool] = []
    var expanded: [Bool] = []
    var keptArc: [Bool] = []
    /// Kept-path states admitted over the arc limit: they keep only their kept-path arc.
    var restricted: [Bool] = []
    var keptArcCount = 0
    /// Bank of RNN states: per layer the hidden and cell rows, and the output hidden rows.
    var bankHidden: [[Float]]
    var bankCell: [[Float]]
    var bankOutput: [Float] = []
    var bankCount = 0
    /// `ln Z` of each bank row's output distribution once computed (normalized mode), NaN before.
    var logNormalizers: [Float] = []
    /// The bank row after feeding a token (low 32 bits) to a bank row (high 32 bits).
    var rowAfter: [UInt64: Int32] = [:]
    /// Per bank row: the level that last used it and its row in that level's output batch.
    var rowStamp: [Int32] = []
    var rowInLevel: [Int32] = []
    var levelNumber: Int32 = 0
    /// Scratch of one level, reused.
    var scratchBankRows: [Int32] = []
    var scratchRows: [Int32] = []
    var scratchTargets: [Int32] = []
    var scratchDestinations: [Int] = []
    /// The states `prepareAdvance` left for `finishAdvance`, their forward-step rows, and the
    /// steps' source bank rows and input tokens.
    var enteredStates: [Int32] = []
    var enteredSteps: [Int32] = []
    var stepSources: [Int32] = []
    var stepInputs: [Int32] = []
    /// The token history of every bank row, for the model's direct features (nil without them),
    /// and the direct rows of one scored block of later tokens (reused).
    var directHistories: LatticeDirectHistories?
    var scratchDirect: DirectRows?
    var multiTokenArcs: [Int32] = []
    var rnnTargets = 0
    var batches = 0

    init(
      rescorer: LatticeRNNRescorer, lattice: Lattice, expansion: LatticeExpansion, oldArcCosts: [Double],
      oldFinalCosts: [Double], weights: Weights, pruning: Pruning
    ) {
      self.rescorer = rescorer
      self.lattice = lattice
      self.expansion = expansion
      self.oldArcCosts = oldArcCosts
      self.oldFinalCosts = oldFinalCosts
      self.weights = weights
      self.pruning = pruning
      let states = expansion.stateCount
      arcWords = lattice.arcs.withUnsafeBufferPointer { arcs in expansion.originalArcs.map { arcs[Int($0)].word } }
      arcRNNCosts = [Double](repeating: 0, count: expansion.arcCount)
      finalRNNCosts = [Double](repeating: 0, count: states)
      newGraphCosts = [Double](repeating: 0, count: expansion.arcCount)
      newFinalGraphCosts = [Double](repeating: 0, count: states)
      best = [Double](repeating: .infinity, count: states)
      bestArc = [Int32](repeating: -1, count: states)
      bestSource = [Int32](repeating: -1, count: states)
      node = [Int32](repeating: -1, count: states)
      prefixRow = [Int32](repeating: -1, count: expansion.arcCount)
      let layers = rescorer.model.config.layers
      bankHidden = [[Float]](repeating: [], count: layers)
      bankCell = [[Float]](repeating: [], count: layers)
      if let direct = rescorer.model.output.direct {
        directHistories = LatticeDirectHistories(features: direct)
        scratchDirect = DirectRows(for: direct)
      }
    }

    /// Longest distance in arcs from the start of each expanded state, as level lists.
    func levels() -> [[Int32]] {
      var depth = [Int32](repeating: 0, count: expansion.stateCount)
      var levelCount = expansion.stateCount > 0 ? 1 : 0
      for state in 0..<expansion.stateCount {
        for arc in expansion.arcIndices(from: state) {
          let target = Int(expansion.arcTargets[arc])
          depth[target] = max(depth[target], depth[state] + 1)
          levelCount = max(levelCount, Int(depth[target]) + 1)
        }
      }
      var levels = [[Int32]](repeating: [], count: levelCount)
      for state in 0..<expansion.stateCount { levels[Int(depth[state])].append(Int32(state)) }
      return levels
    }

    /// Starts at the state after `<s>` (`states`, `output`: one row).
    mutating func start(states: [RecurrentState], output: Matrix) {
      best[0] = 0
      appendToBank(states: states, output: output, rows: 0..<1, sources: [-1], inputs: [Vocabulary.bosID])
      node[0] = 0
      if pruning.isActive {
        backward = LatticeRNNRescorer.backwardCosts(of: lattice, weights: weights)
        forced = [Bool](repeating: false, count: expansion.stateCount)
        forced[0] = true
        expanded = [Bool](repeating: false, count: expansion.stateCount)
        keptArc = [Bool](repeating: false, count: expansion.arcCount)
        restricted = [Bool](repeating: false, count: expansion.stateCount)
      }
    }

    /// The states of `level` that pruning expands (see `Pruning`), marked in `expanded`.
    mutating func select(_ level: [Int32]) -> [Int32] {
      var reference = Double.infinity
      for state in level where bestArc[Int(state)] >= 0 || state == 0 {
        reference = min(reference, best[Int(state)] + backward[Int(expansion.originalStates[Int(state)])])
      }
      var live: [Int32] = []
      for state32 in level {
        let state = Int(state32)
        guard bestArc[state] >= 0 || state == 0 else { continue }  // every path into it was pruned
        let arcCount = expansion.arcIndices(from: state).count
        let overLimit = pruning.maxArcs.map { keptArcCount + arcCount > $0 } ?? false
        if forced[state] {
          restricted[state] = overLimit
        } else {
          let estimate = best[state] + backward[Int(expansion.originalStates[state])]
          guard estimate.isFinite && estimate <= reference + pruning.beam && !overLimit else { continue }
        }
        keptArcCount += restricted[state] ? 1 : arcCount
        expanded[state] = true
        live.append(state32)
      }
      return live
    }

    /// Gives every state of `level` the RNN state of its best incoming arc: epsilon-entered
    /// states and states whose (RNN state, token) step is known at once; returns the forward
    /// steps still needed (source bank rows, input tokens), whose results `finishAdvance`
    /// takes. States entered from the same RNN state by the same token (a word's arcs with
    /// different times, in this level or an earlier one) share one step: the RNN state depends
    /// only on the tokens.
    mutating func prepareAdvance(_ level: [Int32]) -> (sources: [Int32], inputs: [Int32]) {
      var sources: [Int32] = []
      var inputs: [Int32] = []
      var entered: [Int32] = []
      var enteredSteps: [Int32] = []
      var stepOf: [UInt64: Int32] = [:]
      let first = Int32(bankCount)
      rescorer.tokens.ids.withUnsafeBufferPointer { tokenIDs in
        for state32 in level where state32 != 0 {
          let state = Int(state32)
          let arc = Int(bestArc[state])
          let source = Int(bestSource[state])
          let word = arcWords[arc]
          if word == 0 {
            // Epsilon: the source is in an earlier level, its RNN state already known.
            node[state] = node[source]
          } else {
            let range = rescorer.tokens.tokenRange(of: word)
            let sourceRow = range.count > 1 ? prefixRow[arc] : node[source]
            let input = tokenIDs[range.upperBound - 1]
            let key = UInt64(UInt32(bitPattern: sourceRow)) << 32 | UInt64(UInt32(bitPattern: input))
            if let row = rowAfter[key] {
              node[state] = row
              continue
            }
            if let step = stepOf[key] {
              enteredSteps.append(step)
            } else {
              let step = Int32(sources.count)
              stepOf[key] = step
              rowAfter[key] = first + step
              sources.append(sourceRow)
              inputs.append(input)
              enteredSteps.append(step)
            }
            entered.append(state32)
          }
        }
      }
      enteredStates = entered
      self.enteredSteps = enteredSteps
      stepSources = sources
      stepInputs = inputs
      return (sources, inputs)
    }

    /// Appends rows `rows` of a forward step's `states` and `output` (this run's requests, in
    /// order) to the bank and gives the entered states their rows.
    mutating func finishAdvance(states: [RecurrentState], output: Matrix, rows: Range<Int>) {
      let first = Int32(bankCount)
      appendToBank(states: states, output: output, rows: rows, sources: stepSources, inputs: stepInputs)
      for (state, step) in zip(enteredStates, enteredSteps) { node[Int(state)] = first + step }
    }

    /// Collects the output rows (`scratchBankRows`) and the first-token and `</s>` targets
    /// (`scratchRows`, `scratchTargets`) of the word arcs and finals of `level`.
    mutating func prepareScores(_ level: [Int32]) {
      levelNumber += 1
      // Distinct bank rows of the level, then one target per word arc's first token and final.
      scratchBankRows.removeAll(keepingCapacity: true)
      scratchRows.removeAll(keepingCapacity: true)
      scratchTargets.removeAll(keepingCapacity: true)
      scratchDestinations.removeAll(keepingCapacity: true)
      multiTokenArcs.removeAll(keepingCapacity: true)
      let tokens = rescorer.tokens
      tokens.ids.withUnsafeBufferPointer { tokenIDs in
        for state32 in level {
          let state = Int(state32)
          let bankRow = Int(node[state])
          var row: Int32 = -1
          func levelRow() -> Int32 {
            if row >= 0 { return row }
            if rowStamp[bankRow] != levelNumber {
              rowStamp[bankRow] = levelNumber
              rowInLevel[bankRow] = Int32(scratchBankRows.count)
              scratchBankRows.append(Int32(bankRow))
            }
            row = rowInLevel[bankRow]
            return row
          }
          for arc in expansion.arcIndices(from: state) {
            let word = arcWords[arc]
            guard word != 0 else { continue }
            let range = tokens.tokenRange(of: word)
            scratchRows.append(levelRow())
            scratchTargets.append(tokenIDs[range.lowerBound])
            scratchDestinations.append(arc)
            if range.count > 1 {
              multiTokenArcs.append(Int32(arc))
              prefixRow[arc] = Int32(bankRow)
            }
          }
          if lattice.finals[Int(expansion.originalStates[state])] != nil {
            scratchRows.append(levelRow())
            scratchTargets.append(Vocabulary.eosID)
            scratchDestinations.append(-state - 1)
          }
        }
      }
    }

    /// Takes the log-probabilities of `prepareScores`' targets, then scores the later tokens of
    /// multi-token words.
    mutating func applyScores(_ logProbabilities: ArraySlice<Float>, cache: inout RNNLanguageModel.ForwardCache) {
      let tokens = rescorer.tokens
      if !scratchTargets.isEmpty {
        let base = logProbabilities.startIndex
        rnnTargets += scratchTargets.count
        let penalty = rescorer.oovCost.penalty
        tokens.isOOV.withUnsafeBufferPointer { isOOV in
          for (i, destination) in scratchDestinations.enumerated() {
            var cost = -Double(logProbabilities[base + i])
            if destination >= 0 {
              if isOOV[tokens.tokenRange(of: arcWords[destination]).lowerBound] { cost += penalty }
              arcRNNCosts[destination] = cost
            } else {
              finalRNNCosts[-destination - 1] = cost
            }
          }
        }
      }
      if !multiTokenArcs.isEmpty { scoreLaterTokens(of: multiTokenArcs, cache: &cache) }
    }

    /// Adds the costs of the second and later tokens of `arcs` (multi-token words; their
    /// first token is scored), one batched forward step per token position (shared by equal
    /// (row, token) pairs, reused across levels), and records each arc's `prefixRow`.
    mutating func scoreLaterTokens(of arcs: [Int32], cache: inout RNNLanguageModel.ForwardCache) {
      let tokens = rescorer.tokens
      let width = rescorer.model.config.embeddingSize
      var pending = arcs
      var position = 1
      while !pending.isEmpty {
        // Feed token position-1 to each arc's current row.
        var stepOf: [UInt64: Int32] = [:]
        var sources: [Int32] = []
        var inputs: [Int32] = []
        var rowsAfter: [Int32] = []
        var targets: [Int32] = []
        let first = Int32(bankCount)
        for arc in pending {
          let range = tokens.tokenRange(of: arcWords[Int(arc)])
          let input = tokens.ids[range.lowerBound + position - 1]
          let key = UInt64(UInt32(bitPattern: prefixRow[Int(arc)])) << 32 | UInt64(UInt32(bitPattern: input))
          if let row = rowAfter[key] {
            rowsAfter.append(row)
          } else if let step = stepOf[key] {
            rowsAfter.append(first + step)
          } else {
            let step = Int32(sources.count)
            stepOf[key] = step
            rowAfter[key] = first + step
            sources.append(prefixRow[Int(arc)])
            inputs.append(input)
            rowsAfter.append(first + step)
          }
          targets.append(tokens.ids[range.lowerBound + position])
        }
        if !inputs.isEmpty {
          var states = gatherStates(sources)
          var rng = SeededGenerator(seed: 0)  // unused: no dropout at evaluation
          let output = rescorer.model.forward(
            inputs: inputs, steps: 1, states: &states, cache: &cache, training: false, using: &rng)
          appendToBank(states: states, output: output, rows: 0..<inputs.count, sources: sources, inputs: inputs)
        }
        // Score token `position` from the distinct rows.
        levelNumber += 1
        var bankRows: [Int32] = []
        var rows: [Int32] = []
        for row in rowsAfter {
          if rowStamp[Int(row)] != levelNumber {
            rowStamp[Int(row)] = levelNumber
            rowInLevel[Int(row)] = Int32(bankRows.count)
            bankRows.append(row)
          }
          rows.append(rowInLevel[Int(row)])
        }
        if scratchDirect != nil {
          scratchDirect!.removeAll()
          directHistories!.appendDirectRows(of: bankRows, to: &scratchDirect!)
        }
        let logProbabilities = PrefixTreeScorer(model: rescorer.model, mode: rescorer.mode).targetLogProbabilities(
          gatherRows(of: bankOutput, width: width, rows: bankRows), rows: rows, targets: targets,
          direct: scratchDirect)
        rnnTargets += targets.count
        var next: [Int32] = []
        for (i, arc) in pending.enumerated() {
          let range = tokens.tokenRange(of: arcWords[Int(arc)])
          var cost = -Double(logProbabilities[i])
          if tokens.isOOV[range.lowerBound + position] { cost += rescorer.oovCost.penalty }
          arcRNNCosts[Int(arc)] += cost
          // The row after the tokens before `position + 1`: the next step's input row, or,
          // after the last token, the row `advance` feeds that token from.
          prefixRow[Int(arc)] = rowsAfter[i]
          if position + 1 < range.count { next.append(arc) }
        }
        pending = next
        position += 1
      }
    }

    /// Sets the new graph costs of the arcs and finals of `level` and relaxes the arcs' targets;
    /// under pruning, extends the kept path and marks the kept arcs.
    mutating func relax(_ level: [Int32]) {
      let w = weights.rnnWeight
      let lmWeight = weights.lmWeight
      let penalty = weights.insertionPenalty
      let active = pruning.isActive
      lattice.arcs.withUnsafeBufferPointer { latticeArcs in
        for state32 in level {
          let state = Int(state32)
          let original = Int(expansion.originalStates[state])
          let arcs = expansion.arcIndices(from: state)
          var finalCost = Double.infinity
          if let final = lattice.finals[original] {
            newFinalGraphCosts[state] = LatticeRNNRescorer.interpolatedGraphCost(
              graph: final.weight.graph, oldLM: oldFinalCosts[state], rnn: finalRNNCosts[state], rnnWeight: w)
            finalCost = newFinalGraphCosts[state] + final.weight.acoustic / lmWeight
          }
          for arc in arcs {
            let weight = latticeArcs[Int(expansion.originalArcs[arc])].weight
            newGraphCosts[arc] = LatticeRNNRescorer.interpolatedGraphCost(
              graph: weight.graph, oldLM: oldArcCosts[arc], rnn: arcRNNCosts[arc], rnnWeight: w)
          }
          // The kept path goes on by the successor of best estimate unless ending here is cheaper.
          var forcedArc = -1
          if active && forced[state] {
            var bestEstimate = finalCost
            for arc in arcs {
              let weight = latticeArcs[Int(expansion.originalArcs[arc])].weight
              var estimate = newGraphCosts[arc] + weight.acoustic / lmWeight
              if arcWords[arc] != 0 { estimate += penalty }
              estimate += backward[Int(expansion.originalStates[Int(expansion.arcTargets[arc])])]
              if estimate < bestEstimate {
                bestEstimate = estimate
                forcedArc = arc
              }
            }
            if forcedArc >= 0 { forced[Int(expansion.arcTargets[forcedArc])] = true }
          }
          // Over the arc limit a kept-path state keeps only its kept-path arc.
          let onlyForced = active && restricted[state]
          for arc in arcs {
            if onlyForced && arc != forcedArc { continue }
            let weight = latticeArcs[Int(expansion.originalArcs[arc])].weight
            var cost = best[state] + newGraphCosts[arc] + weight.acoustic / lmWeight
            if arcWords[arc] != 0 { cost += penalty }
            let target = Int(expansion.arcTargets[arc])
            if cost < best[target] || bestArc[target] < 0 {
              best[target] = cost
              bestArc[target] = Int32(arc)
              bestSource[target] = state32
            }
            if active { keptArc[arc] = true }
          }
        }
      }
    }

    /// Appends rows `rows` of a forward step's new `states` and `output` to the bank (one
    /// forward batch this run took part in); row `k` is bank row `sources[k]` (-1: the initial
    /// state) advanced by token `inputs[k]`.
    mutating func appendToBank(
      states: [RecurrentState], output: Matrix, rows: Range<Int>, sources: [Int32], inputs: [Int32]
    ) {
      precondition(sources.count == rows.count && inputs.count == rows.count)
      if directHistories != nil {
        for (source, input) in zip(sources, inputs) { directHistories!.append(input: input, after: source) }
      }
      let width = rescorer.model.config.hiddenSize
      for layer in states.indices {
        bankHidden[layer].append(
          contentsOf: states[layer].hidden.storage[(rows.lowerBound * width)..<(rows.upperBound * width)])
        if !states[layer].cell.storage.isEmpty {
          bankCell[layer].append(
            contentsOf: states[layer].cell.storage[(rows.lowerBound * width)..<(rows.upperBound * width)])
        }
      }
      let outputWidth = output.cols
      bankOutput.append(contentsOf: output.storage[(rows.lowerBound * outputWidth)..<(rows.upperBound * outputWidth)])
      bankCount += rows.count
      rowStamp.append(contentsOf: repeatElement(0, count: rows.count))
      logNormalizers.append(contentsOf: repeatElement(.nan, count: rows.count))
      rowInLevel.append(contentsOf: repeatElement(0, count: rows.count))
      batches += 1
    }

    /// The recurrent states of bank rows `rows`, one batch row each.
    func gatherStates(_ rows: [Int32]) -> [RecurrentState] {
      let width = rescorer.model.config.hiddenSize
      return bankHidden.indices.map { layer in
        let hidden = gatherRows(of: bankHidden[layer], width: width, rows: rows)
        let cell =
          bankCell[layer].isEmpty
          ? Matrix(rows: 0, cols: 0) : gatherRows(of: bankCell[layer], width: width, rows: rows)
        return RecurrentState(hidden: hidden, cell: cell)
      }
    }

    func gatherRows(of bank: [Float], width: Int, rows: [Int32]) -> Matrix {
      var storage: [Float] = []
      storage.reserveCapacity(rows.count * width)
      appendRows(of: bank, width: width, rows: rows, to: &storage)
      return Matrix(rows: rows.count, cols: width, storage: storage)
    }

    /// Appends rows `rows` of `bank` (`width` floats each) to `storage`.
    func appendRows(of bank: [Float], width: Int, rows: [Int32], to storage: inout [Float]) {
      storage.reserveCapacity(storage.count + rows.count * width)
      bank.withUnsafeBufferPointer { bank in
        for row in rows {
          let start = Int(row) * width
          storage.append(contentsOf: UnsafeBufferPointer(rebasing: bank[start..<(start + width)]))
        }
      }
    }

    /// The kept states and arcs under pruning: expanded, with a final state reachable through
    /// kept arcs.
    func prunedParts() -> (states: [Bool], arcs: [Bool]) {
      var keepState = [Bool](repeating: false, count: expansion.stateCount)
      var keepArc = [Bool](repeating: false, count: expansion.arcCount)
      for state in stride(from: expansion.stateCount - 1, through: 0, by: -1) where expanded[state] {
        var reachesEnd = lattice.finals[Int(expansion.originalStates[state])] != nil
        for arc in expansion.arcIndices(from: state) where keptArc[arc] && keepState[Int(expansion.arcTargets[arc])] {
          keepArc[arc] = true
          reachesEnd = true
        }
        keepState[state] = reachesEnd
      }
      if !keepState[0] {
        // No complete path: nothing is kept.
        keepState = keepState.map { _ in false }
        keepArc = keepArc.map { _ in false }
      }
      return (keepState, keepArc)
    }

    func result() -> Result {
      var kept = expansion
      var stateMap = Array(0..<Int32(expansion.stateCount))
      var arcMap = Array(0..<Int32(expansion.arcCount))
      if pruning.isActive && expansion.stateCount > 0 {
        let parts = prunedParts()
        (kept, stateMap, arcMap) = expansion.restricted(states: parts.states, arcs: parts.arcs)
      }
      var arcOffsets: [Int32] = [0]
      var arcs: [LatticeArc] = []
      var finals: [LatticeFinal?] = []
      arcs.reserveCapacity(kept.arcCount)
      for state in 0..<kept.stateCount {
        for arc in kept.arcIndices(from: state) {
          var copy = lattice.arcs[Int(kept.originalArcs[arc])]
          copy.target = kept.arcTargets[arc]
          copy.weight.graph = newGraphCosts[Int(arcMap[arc])]
          arcs.append(copy)
        }
        arcOffsets.append(Int32(arcs.count))
        if var final = lattice.finals[Int(kept.originalStates[state])] {
          final.weight.graph = newFinalGraphCosts[Int(stateMap[state])]
          finals.append(final)
        } else {
          finals.append(nil)
        }
      }
      var rescored = Lattice(
        key: lattice.key, kind: lattice.kind, start: kept.stateCount > 0 ? 0 : -1, arcOffsets: arcOffsets,
        arcs: arcs, finals: finals, transitionIDs: lattice.transitionIDs,
        stateTimes: lattice.stateTimes.map { times in kept.originalStates.map { times[Int($0)] } })
      rescored.sourceFile = lattice.sourceFile
      rescored.sourceLine = lattice.sourceLine
      func states(_ values: [Double]) -> [Double] { stateMap.map { values[Int($0)] } }
      func arcValues(_ values: [Double]) -> [Double] { arcMap.map { values[Int($0)] } }
      return Result(
        lattice: rescored, expansion: kept, arcRNNCosts: arcValues(arcRNNCosts),
        finalRNNCosts: states(finalRNNCosts), arcOldLMCosts: arcValues(oldArcCosts),
        finalOldLMCosts: states(oldFinalCosts), unprunedArcCount: expansion.arcCount, rnnStates: bankCount,
        rnnTargets: rnnTargets, batches: batches)
    }
  }

  /// The best cost from each state of `lattice` (topologically sorted) to the end under the
  /// decision rule `g + a/LMWT + wip * n_words` (infinity when no final state is reachable).
  static func backwardCosts(of lattice: Lattice, weights: Weights) -> [Double] {
    var costs = [Double](repeating: .infinity, count: lattice.stateCount)
    lattice.arcs.withUnsafeBufferPointer { arcs in
      for state in stride(from: lattice.stateCount - 1, through: 0, by: -1) {
        var cost = lattice.finals[state].map { $0.weight.cost(lmWeight: weights.lmWeight) } ?? .infinity
        for index in lattice.arcIndices(from: state) {
          let arc = arcs[index]
          var through = arc.weight.cost(lmWeight: weights.lmWeight) + costs[Int(arc.target)]
          if arc.word != 0 { through += weights.insertionPenalty }
          cost = min(cost, through)
        }
        costs[state] = cost
      }
    }
    return costs
  }
}
