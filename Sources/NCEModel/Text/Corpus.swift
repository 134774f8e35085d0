import FileIO
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
  /// Of `oovCount`, the literal `<unk>` tokens of the text (PTB writes rare words as `<unk>`);
  /// the others are words outside the vocabulary.
  public private(set) var literalUnkCount = 0
  /// Empty or blank lines that were skipped.
  public private(set) var emptyLineCount: Int

  /// Streams the file (LineReader: plain, `.zst` or `-`) and keeps ids only.
  /// Errors: missing file, invalid UTF-8 or `<s>`/`</s>` words (file:line), no sentences.
  public init(path: String, vocabulary: Vocabulary) throws {
    var whole: Corpus?
    try Corpus.forEachChunk(path: path, vocabulary: vocabulary, maxTokens: .max) { whole = $0 }
    self = whole!
  }

  /// Streams the file in pieces of whole sentences, each of at least `maxTokens` words except
  /// the last, and calls `body` with each piece; only one piece is in memory at a time, so a
  /// text of any size can be evaluated. A text of at most `maxTokens` words is one piece, equal
  /// to `Corpus(path:vocabulary:)`. `firstWord` sees the first word of each sentence and whether
  /// it is out of the vocabulary. Errors as `init(path:vocabulary:)`, and those of `body`.
  public static func forEachChunk(
    path: String, vocabulary: Vocabulary, maxTokens: Int = 1 << 20,
    firstWord: ((Substring, _ isOOV: Bool) -> Void)? = nil, _ body: (Corpus) throws -> Void
  ) throws {
    var chunk = Corpus(sentences: [])
    // A full piece is handed out when the next sentence starts, so the last call always
    // has sentences and sees the empty lines that end the text.
    var full = false
    var atSentenceStart = true
    var scanner = TextScanner()
    try scanner.scan(
      path: path,
      word: { word in
        if full {
          try body(chunk)
          chunk = Corpus(sentences: [])
          full = false
        }
        let id = vocabulary.id(of: word)
        if id == Vocabulary.unkID {
          chunk.oovCount += 1
          if word == Vocabulary.unkWord { chunk.literalUnkCount += 1 }
        }
        if atSentenceStart {
          atSentenceStart = false
          firstWord?(word, id == Vocabulary.unkID)
        }
        chunk.tokens.append(id)
      },
      endOfSentence: {
        atSentenceStart = true
        chunk.sentenceStarts.append(chunk.tokens.count)
        full = chunk.tokens.count >= maxTokens
      },
      emptyLine: { chunk.emptyLineCount += 1 })
    guard scanner.sentenceCount > 0 else { throw InputError("no sentences", file: path) }
    try body(chunk)
  }

  /// For tests and in-memory use. Empty sentences are skipped like empty lines; an `<unk>` id
  /// counts as a literal `<unk>` token.
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
    self.literalUnkCount = oovCount
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
