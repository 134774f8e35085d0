import FileIO
import NCECore

extension Vocabulary {
  /// From a training text: words with count >= minFreq, most frequent first (ties by word), after the 3 reserved ones.
  ///
  /// Ties are broken by the words' UTF-8 bytes, so the result is the same on every platform.
  /// Words below `minFreq` are mapped to `<unk>`: their tokens are added to `counts[unkID]` and
  /// their number of types is `unknownTypeCount` (nil if the text already contains `<unk>`).
  /// Errors: `minFreq < 1`, missing/unreadable file, no sentences, `<s>`/`</s>` in the text.
  public static func build(trainingText path: String, minFreq: Int) throws -> Vocabulary {
    guard minFreq >= 1 else { throw InputError("--min-freq must be at least 1, got \(minFreq)") }
    var typeCounts: [String: Int] = [:]
    var scanner = TextScanner()
    try scanner.scan(
      path: path, word: { typeCounts[String($0), default: 0] += 1 }, endOfSentence: {})
    guard scanner.sentenceCount > 0 else { throw InputError("no sentences", file: path) }

    let literalUnknownCount = typeCounts.removeValue(forKey: unkWord)
    var unknownTokens = literalUnknownCount ?? 0
    var unknownTypes = 0
    var kept: [(word: String, count: Int)] = []
    kept.reserveCapacity(typeCounts.count)
    for (word, count) in typeCounts {
      if count >= minFreq {
        kept.append((word, count))
      } else {
        unknownTokens += count
        unknownTypes += 1
      }
    }
    kept.sort { a, b in
      a.count != b.count ? a.count > b.count : a.word.utf8.lexicographicallyPrecedes(b.word.utf8)
    }
    let words = reservedWords + kept.map(\.word)
    let counts = [unknownTokens, 0, scanner.sentenceCount] + kept.map(\.count)
    return try Vocabulary(
      words: words, counts: counts, unknownTypeCount: literalUnknownCount == nil ? unknownTypes : nil)
  }

  /// Counts for the noise distribution when --vocab given: replaces `counts` with the counts of
  /// the training text at `path` (out-of-vocabulary tokens go to `<unk>`, one `</s>` per sentence).
  /// Errors as for `build`.
  public mutating func setCounts(fromTrainingText path: String) throws {
    var newCounts = [Int](repeating: 0, count: count)
    var scanner = TextScanner()
    try newCounts.withUnsafeMutableBufferPointer { counts in
      try scanner.scan(
        path: path, word: { counts[Int(id(of: $0))] += 1 },
        endOfSentence: { counts[Int(Self.eosID)] += 1 })
    }
    guard scanner.sentenceCount > 0 else { throw InputError("no sentences", file: path) }
    replaceCounts(newCounts)
  }
}
