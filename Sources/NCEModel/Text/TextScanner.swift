import FileIO
import NCECore

/// Streams a training-style text (one sentence per line, words separated by Kaldi's whitespace,
/// `WhitespaceTokenizer`) and hands out its words line by line. Shared by `Vocabulary` and `Corpus` so both read text the same way.
///
/// Empty and blank lines are skipped and counted. `<s>` and `</s>` must not appear as words:
/// sentence boundaries are implicit, so an explicit one would be predicted as a word; such a
/// line is refused with an `InputError` naming the file and line.
struct TextScanner {
  /// Non-empty lines seen.
  private(set) var sentenceCount = 0
  /// Empty or blank lines skipped.
  private(set) var emptyLineCount = 0

  /// Calls `word(w)` for every word of `path`, `endOfSentence()` after each non-empty line and
  /// `emptyLine()` for each skipped one.
  /// Errors: missing file, invalid UTF-8 (file:line), a reserved boundary word (file:line).
  mutating func scan(
    path: String, word: (Substring) throws -> Void, endOfSentence: () throws -> Void,
    emptyLine: () -> Void = {}
  ) throws {
    let reader = try LineReader(path: path)
    while let line = try reader.nextLine() {
      var words = 0
      try WhitespaceTokenizer.forEachToken(in: line) { token in
        try Self.checkNotBoundary(token, file: path, line: reader.lineNumber)
        words += 1
        try word(token)
      }
      if words == 0 {
        emptyLineCount += 1
        emptyLine()
      } else {
        sentenceCount += 1
        try endOfSentence()
      }
    }
  }

  /// The rule for `<s>` and `</s>` inside a sentence, shared by training, `rnnlm-eval` and
  /// `rnnlm-score`: an `InputError` at `file:line`, since boundaries are implicit and a model
  /// never sees them inside a sentence.
  @inline(__always)
  static func checkNotBoundary(_ token: Substring, file: String, line: Int) throws {
    if isBoundaryWord(token) {
      throw InputError(
        "reserved word '\(token)' inside a sentence (sentence boundaries are implicit; remove it)",
        file: file, line: line)
    }
  }

  @inline(__always)
  static func isBoundaryWord(_ token: Substring) -> Bool {
    guard token.utf8.first == UInt8(ascii: "<") else { return false }
    return token == Vocabulary.bosWord || token == Vocabulary.eosWord
  }
}
