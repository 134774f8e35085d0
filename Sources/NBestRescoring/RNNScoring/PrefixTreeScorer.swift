import NCECore
import NCEModel

/// Scores every node of a `HypothesisPrefixTree` with the model's own forward pass
/// (`RNNLanguageModel.forward`, the code training uses), level by level: all nodes of depth d
/// form one batch of one time step, their recurrent states gathered from their parents'.
///
/// - normalized: one log-softmax row per node (a `[nodes x V]` GEMM in blocks of 256 rows)
///   serves all its children and its `</s>`;
/// - unnormalized: one dot product `s(w,h) - lnZ` per (node, next word); no softmax.
///
/// Costs are `-ln p` in Float, as the model computes them. Not thread-safe on one cache: give
/// every thread its own `RNNLanguageModel.ForwardCache`.
public struct PrefixTreeScorer {
  public let model: RNNLanguageModel
  public let mode: ScoringMode

  public init(model: RNNLanguageModel, mode: ScoringMode) {
    self.model = model
    self.mode = mode
  }

  /// Costs per node: `edgeCosts[n]` = cost of `words[n]` after its parent's prefix (0 for the
  /// root), `endCosts[n]` = cost of `</s>` after the prefix of `n` (0 unless `n` is terminal).
  public struct NodeCosts: Sendable {
    public var edgeCosts: [Float]
    public var endCosts: [Float]

    /// The `count + 1` word costs of the sentence ending at `terminal` (last: `</s>`).
    public func sentenceWordCosts(terminal: Int32, in tree: HypothesisPrefixTree) -> [Float] {
      var costs: [Float] = [endCosts[Int(terminal)]]
      var node = Int(terminal)
      while node != 0 {
        costs.append(edgeCosts[node])
        node = Int(tree.parents[node])
      }
      return costs.reversed()
    }
  }

  /// Scores every node of `tree`, whose root word must be `Vocabulary.bosID`.
  public func nodeCosts(of tree: HypothesisPrefixTree, cache: inout RNNLanguageModel.ForwardCache) -> NodeCosts {
    var costs = NodeCosts(
      edgeCosts: [Float](repeating: 0, count: tree.nodeCount), endCosts: [Float](repeating: 0, count: tree.nodeCount))
    var rng = SeededGenerator(seed: 0)  // unused: no dropout at evaluation
    var states = model.initialState(batch: 1)
    for depth in 0..<tree.depthCount {
      let level = tree.level(depth)
      if depth > 0 {
        let offset = Int32(tree.levelStarts[depth - 1])
        let gather = tree.parents[level].map { $0 - offset }
        states = gather.withUnsafeBufferPointer { rows in states.map { $0.gathering(rows: rows) } }
      }
      let hidden = model.forward(
        inputs: Array(tree.words[level]), steps: 1, states: &states, cache: &cache, training: false, using: &rng)
      let direct = model.output.direct.map { directRows(of: level, depth: depth, in: tree, features: $0) }
      // Targets of this level: the children (nodes of depth + 1), then </s> after terminals.
      var rows: [Int32] = []
      var targets: [Int32] = []
      var destinations: [Int] = []  // n >= 0: edgeCosts[n]; n < 0: endCosts[-n - 1]
      if depth + 1 < tree.depthCount {
        for child in tree.level(depth + 1) {
          rows.append(tree.parents[child] - Int32(level.lowerBound))
          targets.append(tree.words[child])
          destinations.append(child)
        }
      }
      for node in level where tree.isTerminal[node] {
        rows.append(Int32(node - level.lowerBound))
        targets.append(Vocabulary.eosID)
        destinations.append(-node - 1)
      }
      let logProbabilities = targetLogProbabilities(hidden, rows: rows, targets: targets, direct: direct)
      for (i, destination) in destinations.enumerated() {
        if destination >= 0 {
          costs.edgeCosts[destination] = -logProbabilities[i]
        } else {
          costs.endCosts[-destination - 1] = -logProbabilities[i]
        }
      }
    }
    return costs
  }

  /// The direct features of the nodes of `level` (depth `depth`): each node's history is its
  /// own word, then its ancestors' up to the root's `<s>`.
  func directRows(of level: Range<Int>, depth: Int, in tree: HypothesisPrefixTree, features: DirectFeatures)
    -> DirectRows
  {
    var rows = DirectRows(for: features)
    for node in level {
      rows.append(historyCount: depth + 1) { j in
        var n = node
        for _ in 1..<j { n = Int(tree.parents[n]) }
        return tree.words[n]
      }
    }
    return rows
  }

  /// `ln p(targets[i] | hidden[rows[i]])` (normalized) or `s - lnZ` (unnormalized).
  /// `direct`: the direct features of every row of `hidden` (`DirectRows.append(history:)` with
  /// its history words, most recent first), given exactly when the model has them.
  public func targetLogProbabilities(_ hidden: Matrix, rows: [Int32], targets: [Int32], direct: DirectRows? = nil)
    -> [Float]
  {
    precondition(
      (model.output.direct == nil) == (direct == nil) && (direct == nil || direct!.rows == hidden.rows),
      "direct rows must be given exactly for a model with direct features, one per hidden row")
    switch mode {
    case .unnormalized:
      let gathered = rows.withUnsafeBufferPointer { hidden.gatheringRows($0) }
      let gatheredDirect = direct.map { d in rows.withUnsafeBufferPointer { d.gathering(rows: $0) } }
      let lnZ = model.config.normTerm
      var scores = targets.withUnsafeBufferPointer {
        model.unnormalizedTargetScores(gathered, targets: $0, direct: gatheredDirect)
      }
      for i in scores.indices { scores[i] -= lnZ }
      return scores
    case .normalized:
      let v = model.output.vocabularySize
      var result = [Float](repeating: 0, count: targets.count)
      // Targets grouped by row, so each block of logit rows is visited once.
      let order = rows.indices.sorted { (rows[$0], $0) < (rows[$1], $1) }
      let block = 256
      var logits = Matrix(rows: 0, cols: 0)
      var cursor = 0
      var start = 0
      while start < hidden.rows {
        let end = min(hidden.rows, start + block)
        model.output.logits(hidden.rows(start..<end), into: &logits, direct: direct, firstDirectRow: start)
        logits.withUnsafeBufferPointer { l in
          var currentRow = -1
          var logNormalizer: Float = 0
          while cursor < order.count && Int(rows[order[cursor]]) < end {
            let i = order[cursor]
            let row = Int(rows[i])
            let base = l.baseAddress! + (row - start) * v
            if row != currentRow {
              currentRow = row
              logNormalizer = VectorMath.logSumExp(base, count: v)
            }
            result[i] = base[Int(targets[i])] - logNormalizer
            cursor += 1
          }
        }
        start = end
      }
      return result
    }
  }
}
