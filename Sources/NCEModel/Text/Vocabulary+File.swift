import FileIO
import NCECore

extension Vocabulary {
  /// From a file: one word per line, optional count column; duplicates -> InputError(file, line);
  /// reserved words may appear (they keep ids 0, 1, 2).
  ///
  /// Line format: `word` or `word count` (count a non-negative integer); blank lines are
  /// skipped. Words keep the file's order after `<unk> <s> </s>`; a reserved word in the file
  /// only supplies its count. Words without a count get 0. `unknownTypeCount` is nil.
  public static func load(path: String) throws -> Vocabulary {
    let reader = try LineReader(path: path)
    var words = reservedWords
    var counts = [0, 0, 0]
    var firstLine: [String: Int] = [:]
    while let line = try reader.nextLine() {
      let fields = WhitespaceTokenizer.tokens(of: line)
      if fields.isEmpty { continue }
      let at = reader.lineNumber
      guard fields.count <= 2 else {
        throw InputError("expected 'word [count]', found \(fields.count) fields", file: path, line: at)
      }
      let word = String(fields[0])
      var wordCount = 0
      if fields.count == 2 {
        guard let parsed = Int(fields[1]), parsed >= 0 else {
          throw InputError("count of '\(word)' is not a non-negative integer: '\(fields[1])'", file: path, line: at)
        }
        wordCount = parsed
      }
      if let previous = firstLine.updateValue(at, forKey: word) {
        throw InputError("duplicate word '\(word)' (first on line \(previous))", file: path, line: at)
      }
      if let reserved = reservedWords.firstIndex(of: word) {
        counts[reserved] = wordCount
      } else {
        words.append(word)
        counts.append(wordCount)
      }
    }
    guard words.count > reservedWords.count else { throw InputError("no words in vocabulary file", file: path) }
    do {
      return try Vocabulary(words: words, counts: counts, unknownTypeCount: nil)
    } catch var error as InputError {
      error.file = path
      throw error
    }
  }

  /// The vocabulary as `load` reads it: `word count` per line, in id order.
  public var fileText: String {
    var text = ""
    for (word, count) in zip(words, counts) { text += "\(word) \(count)\n" }
    return text
  }
}
