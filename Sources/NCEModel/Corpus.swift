import NCECore

/// A tokenized text, all sentences in one flat array. Empty lines are skipped (counted).
///
/// Sentence `i` is `tokens[sentenceStarts[i]..<sentenceStarts[i + 1]]`: word ids without the
/// implicit `<s>` / `</s>`. Memory: 4 bytes per word plus 8 per sentence.
public struct Corpus: Sendable {
  /// All word ids, sentence after sentence.
  public private(set) var tokens: [Int32]
  /// `sentenceCount + 1` offsets into `tokens`; the last one is `tokens.count`.
  public private(set) var sentenceStarts: [Int]
  /// Tokens mapped to `<unk>`, literal `<unk>` included (the usual OOV count of a PPL report).
  public private(set) var oovCount: Int
  /// Empty or blank lines that were skipped.
  public private(set) var emptyLineCount: Int

  /// Streams the file (LineReader: plain, `.zst` or `-`) and keeps ids only.
  /// Errors: missing file, invalid UTF-8 or `<s>`/`</s>` words (file:line), no sentences.
  public init(path: String, vocabulary: Vocabulary) throws {
    var tokens: [Int32] = []
    var starts: [Int] = [0]
    var oov = 0
    var scanner = TextScanner()
    try scanner.scan(
      path: path,
      word: { word in
        let id = vocabulary.id(of: word)
        if id == Vocabulary.unkID { oov += 1 }
        tokens.append(id)
      },
      endOfSentence: { starts.append(tokens.count) })
    guard scanner.sentenceCount > 0 else { throw InputError("no sentences", file: path) }
    self.tokens = tokens
    self.sentenceStarts = starts
    self.oovCount = oov
    self.emptyLineCount = scanner.emptyLineCount
  }

  /// For tests and in-memory use. Empty sentences are skipped like empty lines.
  public init(sentences: [[Int32]]) {
    var tokens: [Int32] = []
    var starts: [Int] = [0]
    var empty = 0
    for sentence in sentences {
      if sentence.isEmpty {
        empty += 1
        continue
      }
      tokens.append(contentsOf: sentence)
      starts.append(tokens.count)
    }
    self.tokens = tokens
    self.sentenceStarts = starts
    self.oovCount = tokens.lazy.filter { $0 == Vocabulary.unkID }.count
    self.emptyLineCount = empty
  }

  public var sentenceCount: Int { sentenceStarts.count - 1 }
  /// Words, without `</s>`.
  public var tokenCount: Int { tokens.count }
  /// Predicted tokens of a sentence-level evaluation: words plus one `</s>` per sentence.
  public var predictionCount: Int { tokens.count + sentenceCount }

  /// Word ids of sentence `i`, without `<s>` / `</s>`.
  @inline(__always)
  public func sentence(_ i: Int) -> ArraySlice<Int32> {
    tokens[sentenceStarts[i]..<sentenceStarts[i + 1]]
  }
}
