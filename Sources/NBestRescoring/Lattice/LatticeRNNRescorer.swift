import NCECore
import NCEModel

/// RNN rescoring of a lattice expanded to n-gram histories (`LatticeExpansion`), Kaldi's
/// pruned-rescoring merge rule without the pruning: every expanded state gets the RNN state of
/// the best path into it, and every word arc out of it is scored from that state.
///
/// Costs (`-ln`, natural log, `Double`): a word arc gets `rnn = -ln p(word | history)`
/// (normalized) or `-(s - lnZ)` (unnormalized) plus `oovCost.penalty` when the lattice word is
/// outside the RNN vocabulary (scored as `<unk>`, as rescore-nbest does); a final state gets the
/// cost of `</s>`; epsilon arcs get 0. The new graph cost is rescore-nbest's log-linear rule per
/// arc and final: `g' = g - lm_old + w*rnn + (1-w)*lm_old` (the `rnn` term omitted at `w = 0`,
/// the `lm_old` term at `w = 1`), `lm_old` the old n-gram cost the caller gives (or 0), `w`
/// the RNN weight; acoustic costs are unchanged.
///
/// "Best path into a state" is by the decision cost of the rescored lattice under the given
/// `Weights`: `sum(g') + sum(a)/LMWT + wip * n_words` (`LatticeBestPath`'s rule); ties keep the
/// first path found (earlier expanded state, then earlier arc). When only paths of infinite cost
/// reach a state, its first incoming arc is taken.
///
/// Batching: expanded states are levelled by their longest distance (in arcs) from the start,
/// so a level's predecessors are all in earlier levels. Per level, the states entered by a word
/// advance their best predecessor's RNN state by one `RNNLanguageModel.forward` step (one
/// batch for the whole level, the forward code training and `PrefixTreeScorer` use); states
/// entered by epsilon share their predecessor's RNN state. Then the level's word arcs and `</s>`
/// costs are scored together (`PrefixTreeScorer`'s output code: one logits GEMM per block of
/// distinct states when normalized, dot products when unnormalized). Every RNN state is
/// computed once and kept for its merged history. Not thread-safe: one rescorer per thread.
public struct LatticeRNNRescorer {
  public let model: RNNLanguageModel
  public let mode: ScoringMode
  public let oovCost: OOVCost
  /// The RNN vocabulary id of each lattice word id (index 0, epsilon, unused).
  public let rnnIDs: [Int32]
  /// Whether each lattice word id is outside the RNN vocabulary (it then costs `<unk>` + OOV cost).
  public let isOOV: [Bool]
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

  /// The result: `lattice` is the expanded lattice with the new graph costs (state `x` is
  /// expanded state `x`, arc `i` expanded arc `i`; words, acoustic costs, alignments and state
  /// times copied from the original), `arcRNNCosts[i]` the RNN cost of expanded arc `i` (0 for
  /// epsilon), `finalRNNCosts[x]` the `</s>` cost of expanded state `x` (0 when not final).
  public struct Result: Sendable {
    public var lattice: Lattice
    public var expansion: LatticeExpansion
    public var arcRNNCosts: [Double]
    public var finalRNNCosts: [Double]
    /// RNN forward steps (distinct RNN states computed, the one after `<s>` included).
    public var rnnStates: Int
    /// Word and `</s>` costs computed.
    public var rnnTargets: Int
    /// Forward batches (levels with at least one word-entered state, plus the `<s>` step).
    public var batches: Int
  }

  /// `rnnIDs`/`isOOV` map lattice word ids to the model (`wordMap(symbols:vocabulary:)`).
  public init(model: RNNLanguageModel, mode: ScoringMode, oovCost: OOVCost, rnnIDs: [Int32], isOOV: [Bool]) {
    precondition(rnnIDs.count == isOOV.count, "one OOV flag per word id")
    self.model = model
    self.mode = mode
    self.oovCost = oovCost
    self.rnnIDs = rnnIDs
    self.isOOV = isOOV
    inputProjection = InputProjectionCache(model: model)
  }

  /// The map from a symbol table's word ids to `vocabulary`: a word the vocabulary lacks is
  /// `<unk>` and OOV (the word `<unk>` itself is not OOV), as `NBestRNNScorer` maps words.
  public static func wordMap(symbols: SymbolTable, vocabulary: Vocabulary) -> (rnnIDs: [Int32], isOOV: [Bool]) {
    let maxID = max(0, symbols.maxID)
    var ids = [Int32](repeating: Vocabulary.unkID, count: Int(maxID) + 1)
    var oov = [Bool](repeating: false, count: Int(maxID) + 1)
    for id in 0...Int(maxID) {
      guard id != 0, let word = symbols.word(of: Int32(id)) else { continue }
      ids[id] = vocabulary.id(of: word)
      oov[id] = ids[id] == Vocabulary.unkID && word != Vocabulary.unkWord
    }
    return (ids, oov)
  }

  /// Expands `lattice` (topologically sorted) to `maxNgramOrder` and rescores it. Throws the
  /// lattice's error when it is not sorted, has a word id outside `rnnIDs`, or `oldLMCosts`
  /// does not match its arcs and states.
  public func rescore(_ lattice: Lattice, maxNgramOrder: Int, oldLMCosts: OldLMCosts? = nil, weights: Weights)
    throws -> Result
  {
    precondition(weights.lmWeight > 0 && weights.lmWeight.isFinite, "the LM weight must be positive")
    if let oldLMCosts, oldLMCosts.arcs.count != lattice.arcs.count || oldLMCosts.finals.count != lattice.stateCount {
      throw lattice.error(
        "\(oldLMCosts.arcs.count) old LM arc costs and \(oldLMCosts.finals.count) final costs for \(lattice.arcs.count) arcs and \(lattice.stateCount) states"
      )
    }
    if let arc = lattice.arcs.first(where: { $0.word < 0 || Int($0.word) >= rnnIDs.count }) {
      throw lattice.error("word id \(arc.word) is not in the symbol table")
    }
    let expansion = try LatticeExpansion(lattice, maxNgramOrder: maxNgramOrder)
    var run = Run(rescorer: self, lattice: lattice, expansion: expansion, oldLMCosts: oldLMCosts, weights: weights)
    run.scoreAllLevels()
    return run.result()
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
    let oldLMCosts: OldLMCosts?
    let weights: Weights
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
    /// Bank of RNN states: per layer the hidden and cell rows, and the output hidden rows.
    var bankHidden: [[Float]]
    var bankCell: [[Float]]
    var bankOutput: [Float] = []
    var bankCount = 0
    var cache: RNNLanguageModel.ForwardCache
    var rng = SeededGenerator(seed: 0)  // unused: no dropout at evaluation
    var rnnTargets = 0
    var batches = 0

    init(
      rescorer: LatticeRNNRescorer, lattice: Lattice, expansion: LatticeExpansion, oldLMCosts: OldLMCosts?,
      weights: Weights
    ) {
      self.rescorer = rescorer
      self.lattice = lattice
      self.expansion = expansion
      self.oldLMCosts = oldLMCosts
      self.weights = weights
      let states = expansion.stateCount
      arcRNNCosts = [Double](repeating: 0, count: expansion.arcCount)
      finalRNNCosts = [Double](repeating: 0, count: states)
      newGraphCosts = [Double](repeating: 0, count: expansion.arcCount)
      newFinalGraphCosts = [Double](repeating: 0, count: states)
      best = [Double](repeating: .infinity, count: states)
      bestArc = [Int32](repeating: -1, count: states)
      bestSource = [Int32](repeating: -1, count: states)
      node = [Int32](repeating: -1, count: states)
      let layers = rescorer.model.config.layers
      bankHidden = [[Float]](repeating: [], count: layers)
      bankCell = [[Float]](repeating: [], count: layers)
      cache = rescorer.model.makeCache()
      cache.inputProjectionTable = rescorer.inputProjection.table()
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

    mutating func scoreAllLevels() {
      guard expansion.stateCount > 0 else { return }
      best[0] = 0
      // The state after <s>, from the initial state.
      var states = rescorer.model.initialState(batch: 1)
      appendToBank(inputs: [Vocabulary.bosID], states: &states)
      node[0] = 0
      for level in levels() {
        advance(level)
        scoreArcs(of: level)
      }
    }

    /// Gives every state of `level` the RNN state of its best incoming arc.
    mutating func advance(_ level: [Int32]) {
      var sources: [Int32] = []
      var inputs: [Int32] = []
      var entered: [Int32] = []
      for state32 in level where state32 != 0 {
        let state = Int(state32)
        let arc = Int(bestArc[state])
        let source = Int(bestSource[state])
        let word = lattice.arcs[Int(expansion.originalArcs[arc])].word
        if word == 0 {
          // Epsilon: the source is in an earlier level, its RNN state already known.
          node[state] = node[source]
        } else {
          sources.append(node[source])
          inputs.append(rescorer.rnnIDs[Int(word)])
          entered.append(state32)
        }
      }
      guard !inputs.isEmpty else { return }
      var states = gatherStates(sources)
      let first = bankCount
      appendToBank(inputs: inputs, states: &states)
      for (i, state) in entered.enumerated() { node[Int(state)] = Int32(first + i) }
    }

    /// Scores the word arcs and `</s>` of every state of `level` and relaxes their targets.
    mutating func scoreArcs(of level: [Int32]) {
      // Distinct bank rows of the level, then one target per word arc and final state.
      var rowOfNode: [Int32: Int32] = [:]
      var bankRows: [Int32] = []
      var rows: [Int32] = []
      var targets: [Int32] = []
      var destinations: [Int] = []  // i >= 0: expanded arc i; i < 0: final of state -i - 1
      for state32 in level {
        let state = Int(state32)
        let bankRow = node[state]
        func row() -> Int32 {
          if let row = rowOfNode[bankRow] { return row }
          let row = Int32(bankRows.count)
          rowOfNode[bankRow] = row
          bankRows.append(bankRow)
          return row
        }
        for arc in expansion.arcIndices(from: state) {
          let word = lattice.arcs[Int(expansion.originalArcs[arc])].word
          guard word != 0 else { continue }
          rows.append(row())
          targets.append(rescorer.rnnIDs[Int(word)])
          destinations.append(arc)
        }
        if lattice.finals[Int(expansion.originalStates[state])] != nil {
          rows.append(row())
          targets.append(Vocabulary.eosID)
          destinations.append(-state - 1)
        }
      }
      if !targets.isEmpty {
        let hidden = gatherRows(of: bankOutput, width: rescorer.model.config.embeddingSize, rows: bankRows)
        let logProbabilities = PrefixTreeScorer(model: rescorer.model, mode: rescorer.mode).targetLogProbabilities(
          hidden, rows: rows, targets: targets)
        rnnTargets += targets.count
        for (i, destination) in destinations.enumerated() {
          var cost = -Double(logProbabilities[i])
          if destination >= 0 {
            let word = lattice.arcs[Int(expansion.originalArcs[destination])].word
            if rescorer.isOOV[Int(word)] { cost += rescorer.oovCost.penalty }
            arcRNNCosts[destination] = cost
          } else {
            finalRNNCosts[-destination - 1] = cost
          }
        }
      }
      let w = weights.rnnWeight
      for state32 in level {
        let state = Int(state32)
        let original = Int(expansion.originalStates[state])
        if let final = lattice.finals[original] {
          newFinalGraphCosts[state] = LatticeRNNRescorer.interpolatedGraphCost(
            graph: final.weight.graph, oldLM: oldLMCosts?.finals[original] ?? 0, rnn: finalRNNCosts[state],
            rnnWeight: w)
        }
        for arc in expansion.arcIndices(from: state) {
          let originalArc = Int(expansion.originalArcs[arc])
          let weight = lattice.arcs[originalArc].weight
          let graph = LatticeRNNRescorer.interpolatedGraphCost(
            graph: weight.graph, oldLM: oldLMCosts?.arcs[originalArc] ?? 0, rnn: arcRNNCosts[arc], rnnWeight: w)
          newGraphCosts[arc] = graph
          var cost = best[state] + graph + weight.acoustic / weights.lmWeight
          if lattice.arcs[originalArc].word != 0 { cost += weights.insertionPenalty }
          let target = Int(expansion.arcTargets[arc])
          if cost < best[target] || bestArc[target] < 0 {
            best[target] = cost
            bestArc[target] = Int32(arc)
            bestSource[target] = state32
          }
        }
      }
    }

    /// One forward step of `inputs` from `states` (one row each); appends the new states and
    /// output rows to the bank.
    mutating func appendToBank(inputs: [Int32], states: inout [RecurrentState]) {
      let hidden = rescorer.model.forward(
        inputs: inputs, steps: 1, states: &states, cache: &cache, training: false, using: &rng)
      for layer in states.indices {
        bankHidden[layer].append(contentsOf: states[layer].hidden.storage)
        bankCell[layer].append(contentsOf: states[layer].cell.storage)
      }
      bankOutput.append(contentsOf: hidden.storage)
      bankCount += inputs.count
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
      bank.withUnsafeBufferPointer { bank in
        for row in rows {
          let start = Int(row) * width
          storage.append(contentsOf: UnsafeBufferPointer(rebasing: bank[start..<(start + width)]))
        }
      }
      return Matrix(rows: rows.count, cols: width, storage: storage)
    }

    func result() -> Result {
      var arcOffsets: [Int32] = [0]
      var arcs: [LatticeArc] = []
      var finals: [LatticeFinal?] = []
      arcs.reserveCapacity(expansion.arcCount)
      for state in 0..<expansion.stateCount {
        for arc in expansion.arcIndices(from: state) {
          var copy = lattice.arcs[Int(expansion.originalArcs[arc])]
          copy.target = expansion.arcTargets[arc]
          copy.weight.graph = newGraphCosts[arc]
          arcs.append(copy)
        }
        arcOffsets.append(Int32(arcs.count))
        if var final = lattice.finals[Int(expansion.originalStates[state])] {
          final.weight.graph = newFinalGraphCosts[state]
          finals.append(final)
        } else {
          finals.append(nil)
        }
      }
      var rescored = Lattice(
        key: lattice.key, kind: lattice.kind, start: expansion.stateCount > 0 ? 0 : -1, arcOffsets: arcOffsets,
        arcs: arcs, finals: finals, transitionIDs: lattice.transitionIDs,
        stateTimes: lattice.stateTimes.map { times in expansion.originalStates.map { times[Int($0)] } })
      rescored.sourceFile = lattice.sourceFile
      rescored.sourceLine = lattice.sourceLine
      return Result(
        lattice: rescored, expansion: expansion, arcRNNCosts: arcRNNCosts, finalRNNCosts: finalRNNCosts,
        rnnStates: bankCount, rnnTargets: rnnTargets, batches: batches)
    }
  }
}
