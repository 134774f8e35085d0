extension LatticeRNNRescorer.OldLMCosts {
  /// The n-gram LM costs `lattice` states itself (`LatticeArc.languageModelCost`, SLF `l=`): an
  /// arc or final without one counts 0 (epsilon links, PocketSphinx lattices). Nil when no arc
  /// and no final states a cost (Kaldi archives: their LM cost is folded into `graph` and must
  /// come from `--old-lm`).
  public init?(statedIn lattice: Lattice) {
    guard
      lattice.arcs.contains(where: { $0.languageModelCost != nil })
        || lattice.finals.contains(where: { $0?.languageModelCost != nil })
    else { return nil }
    self.init(
      arcs: lattice.arcs.map { $0.languageModelCost ?? 0 }, finals: lattice.finals.map { $0?.languageModelCost ?? 0 })
  }
}

extension LatticeRNNRescorer {
  /// Where the old n-gram LM cost that rescoring removes comes from.
  public enum OldLMSource: Sendable {
    /// No old LM cost (0 everywhere).
    case none
    /// Costs per original arc and final state (e.g. `OldLMCosts(statedIn:)` for SLF `l=`).
    case given(OldLMCosts)
    /// Recomputed from an ARPA model on the expanded lattice (Kaldi's `lmrescore` way):
    /// `-ln P(word | history)` per word arc, `-ln P(</s> | history)` per final state, the history
    /// being the expanded state's last lattice words after `<s>`. `wordIDs` maps lattice word
    /// ids to the model's (`arpaWordIDs(symbols:model:)`). The expansion order is raised to
    /// `max(maxNgramOrder, model.order)`, so every history is the exact one the model needs.
    case arpa(ARPAModel, wordIDs: [Int32])
  }

  /// The ARPA id of every id of `symbols` (index 0, epsilon, unused). A word the model lacks
  /// gets the model's `<unk>` (or its -100 log10 substitute when the file has no `<unk>`), the
  /// rule `ARPAModel.wordCosts` and rescore-nbest apply.
  public static func arpaWordIDs(symbols: SymbolTable, model: ARPAModel) -> [Int32] {
    (0...Int(max(0, symbols.maxID))).map { id in
      guard id != 0, let word = symbols.word(of: Int32(id)) else { return model.unknownID }
      return model.id(of: word)
    }
  }

  /// The old LM cost of every expanded arc and of every expanded state's final weight (0 for a
  /// state that is not final).
  static func oldLMCosts(
    _ source: OldLMSource, lattice: Lattice, expansion: LatticeExpansion
  ) -> (arcs: [Double], finals: [Double]) {
    var arcs = [Double](repeating: 0, count: expansion.arcCount)
    var finals = [Double](repeating: 0, count: expansion.stateCount)
    switch source {
    case .none:
      break
    case .given(let costs):
      for arc in 0..<expansion.arcCount { arcs[arc] = costs.arcs[Int(expansion.originalArcs[arc])] }
      for state in 0..<expansion.stateCount { finals[state] = costs.finals[Int(expansion.originalStates[state])] }
    case .arpa(let model, let wordIDs):
      let historyLength = expansion.maxNgramOrder - 1
      var history: [Int32] = []
      history.reserveCapacity(historyLength + 2)
      lattice.arcs.withUnsafeBufferPointer { latticeArcs in
        for state in 0..<expansion.stateCount {
          history.removeAll(keepingCapacity: true)
          let words = expansion.histories[state]
          // A history shorter than n-1 words reaches back to the sentence start.
          if words.count < historyLength { history.append(model.sentenceStartID) }
          for word in words { history.append(wordIDs[Int(word)]) }
          history.withUnsafeBufferPointer { history in
            for arc in expansion.arcIndices(from: state) {
              let word = latticeArcs[Int(expansion.originalArcs[arc])].word
              if word != 0 { arcs[arc] = model.cost(of: wordIDs[Int(word)], history: history) }
            }
            if lattice.finals[Int(expansion.originalStates[state])] != nil {
              finals[state] = model.cost(of: model.sentenceEndID, history: history)
            }
          }
        }
      }
    }
    return (arcs, finals)
  }
}
