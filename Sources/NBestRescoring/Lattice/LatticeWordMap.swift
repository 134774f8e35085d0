import FileIO
import NCEModel

/// A map from lattice words to LM tokens (`--word-map FILE`, lattice-dev's `ptbtok.map`): one
/// line `<word> <token> [<token> ...]` per mapped word, e.g. `doesn't does n't`. A word the map
/// does not list is its own single token. Read through `KaldiTableReader` (plain, `.gz`,
/// `.zst`, `-`, `"cmd |"`; blank lines skipped); a line without a token, or a word listed twice,
/// is an `InputError` at `file:line`.
public struct LatticeWordMap: Sendable {
  private var tokensByWord: [String: [String]] = [:]

  /// A map from `entries` (each word's tokens, at least one).
  public init(_ entries: [String: [String]]) {
    precondition(entries.values.allSatisfy { !$0.isEmpty }, "a word maps to at least one token")
    tokensByWord = entries
  }

  /// Reads the map at `path`.
  public init(path: String) throws {
    let reader = try KaldiTableReader(path: path)
    var lineOf: [String: Int] = [:]
    while let (word, fields) = try reader.next() {
      let word = String(word)
      guard !fields.isEmpty else { throw reader.error("word '\(word)' has no tokens (expected '<word> <tokens...>')") }
      if let first = lineOf.updateValue(reader.lineNumber, forKey: word) {
        throw reader.error("word '\(word)' is mapped twice (first on line \(first))")
      }
      tokensByWord[word] = fields.map(String.init)
    }
  }

  /// Number of words the map lists.
  public var count: Int { tokensByWord.count }

  /// The tokens of `word`: its entry, or `[word]` when the map does not list it.
  public func tokens(of word: String) -> [String] { tokensByWord[word] ?? [word] }
}

/// The RNN token sequence of every lattice word id: `ids[offsets[w]..<offsets[w + 1]]` are the
/// model's ids of word `w`'s tokens (none for epsilon, id 0, and for ids the symbol table lacks),
/// `isOOV[i]` whether token `i` is outside the model's vocabulary (scored as `<unk>` plus the
/// OOV cost, as `NBestRNNScorer` scores words; the token `<unk>` itself is not OOV).
public struct LatticeTokenSequences: Sendable {
  public let offsets: [Int32]
  public let ids: [Int32]
  public let isOOV: [Bool]

  /// The tokens of every id of `symbols` through `wordMap` (identity when nil), mapped to
  /// `vocabulary`.
  public init(symbols: SymbolTable, vocabulary: Vocabulary, wordMap: LatticeWordMap? = nil) {
    var offsets: [Int32] = [0]
    var ids: [Int32] = []
    var oov: [Bool] = []
    for id in 0...Int(max(0, symbols.maxID)) {
      if id != 0, let word = symbols.word(of: Int32(id)) {
        for token in wordMap?.tokens(of: word) ?? [word] {
          let rnnID = vocabulary.id(of: token)
          ids.append(rnnID)
          oov.append(rnnID == Vocabulary.unkID && token != Vocabulary.unkWord)
        }
      }
      offsets.append(Int32(ids.count))
    }
    self.offsets = offsets
    self.ids = ids
    self.isOOV = oov
  }

  /// Number of word ids covered (`0..<wordCount`).
  public var wordCount: Int { offsets.count - 1 }

  /// The indices in `ids` of word `word`'s tokens.
  @inlinable
  public func tokenRange(of word: Int32) -> Range<Int> { Int(offsets[Int(word)])..<Int(offsets[Int(word) + 1]) }
}
