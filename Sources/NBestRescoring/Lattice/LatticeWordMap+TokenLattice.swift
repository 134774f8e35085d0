import FileIO

extension LatticeWordMap {
  /// The tokens of every word of `symbols`, as a symbol table (`<eps>` 0, then the distinct
  /// tokens in order of first appearance by word id) and each word id's token ids.
  public func tokenSymbols(of symbols: SymbolTable) -> (table: SymbolTable, tokensOfWord: [Int32: [Int32]]) {
    var words = ["<eps>"]
    var idOfToken: [String: Int32] = ["<eps>": 0]
    var tokensOfWord: [Int32: [Int32]] = [:]
    for id in 0...max(0, symbols.maxID) where id != 0 {
      guard let word = symbols.word(of: id) else { continue }
      tokensOfWord[id] = tokens(of: word).map { token in
        if let known = idOfToken[token] { return known }
        let new = Int32(words.count)
        idOfToken[token] = new
        words.append(token)
        return new
      }
    }
    return (SymbolTable(words: words), tokensOfWord)
  }

  /// `lattice` with each word arc replaced by a chain of one arc per token (the weight on the
  /// first, One on the rest; new states after the original ones), for what compares token
  /// sequences with a reference (the oracle). `tokensOfWord` as `tokenSymbols(of:)` gives it.
  public static func tokenLattice(of lattice: Lattice, tokensOfWord: [Int32: [Int32]]) -> Lattice {
    var builder = LatticeBuilder(key: lattice.key, kind: lattice.kind)
    builder.addState(Int32(max(lattice.stateCount - 1, 0)))
    var nextState = Int32(lattice.stateCount)
    for state in 0..<lattice.stateCount {
      for arc in lattice.arcs(from: state) {
        let tokens = arc.word == 0 ? [] : tokensOfWord[arc.word] ?? []
        guard tokens.count > 1 else {
          builder.addArc(
            from: Int32(state), LatticeArc(target: arc.target, word: tokens.first ?? 0, weight: arc.weight))
          continue
        }
        var source = Int32(state)
        for (position, token) in tokens.enumerated() {
          let last = position == tokens.count - 1
          let target = last ? arc.target : nextState
          if !last { nextState += 1 }
          builder.addArc(
            from: source, LatticeArc(target: target, word: token, weight: position == 0 ? arc.weight : .one))
          source = target
        }
      }
      if let final = lattice.finals[state] { builder.setFinal(Int32(state), LatticeFinal(weight: final.weight)) }
    }
    var result = builder.build(start: lattice.start)
    result.sourceFile = lattice.sourceFile
    result.sourceLine = lattice.sourceLine
    return result
  }
}
