import FileIO

/// A Kaldi symbol table (`words.txt`): one `word id` pair per line, `<eps> 0` for epsilon.
/// Read through `KaldiTableReader` (plain, `.gz`, `.zst`, `-`, `"cmd |"`; blank lines skipped).
/// A line without exactly a word and a non-negative integer id, a repeated word or a repeated
/// id is an `InputError` at `file:line`.
public struct SymbolTable: Sendable {
  private var idsByWord: [String: Int32] = [:]
  private var wordsByID: [Int32: String] = [:]

  /// A table of `words`, numbered from 0 in order (put `<eps>` first for Kaldi's convention).
  public init(words: [String]) {
    for (id, word) in words.enumerated() {
      idsByWord[word] = Int32(id)
      wordsByID[Int32(id)] = word
    }
  }

  /// Reads `words.txt` at `path`.
  public init(path: String) throws {
    let reader = try KaldiTableReader(path: path)
    while let (word, fields) = try reader.next() {
      guard fields.count == 1 else {
        throw reader.error("expected 'word id', found \(fields.count + 1) fields")
      }
      guard let id = Int32(fields[0]), id >= 0 else {
        throw reader.error("symbol id is not a non-negative integer: '\(fields[0])'")
      }
      let word = String(word)
      if idsByWord.updateValue(id, forKey: word) != nil { throw reader.error("word '\(word)' appears twice") }
      if let other = wordsByID.updateValue(word, forKey: id) {
        throw reader.error("id \(id) is given to both '\(other)' and '\(word)'")
      }
    }
  }

  /// Number of symbols.
  public var count: Int { idsByWord.count }

  /// The id of `word`, nil when it is not in the table.
  public func id<S: StringProtocol>(of word: S) -> Int32? { idsByWord[String(word)] }

  /// The highest id in the table, -1 when it is empty.
  public var maxID: Int32 { wordsByID.keys.max() ?? -1 }

  /// The word of `id`, nil when no word has it.
  public func word(of id: Int32) -> String? { wordsByID[id] }
}
