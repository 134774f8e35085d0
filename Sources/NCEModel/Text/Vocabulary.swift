import FileIO
import NCECore

/// The word list of a language model: ids `0..<count`, with `<unk>`, `<s>`, `</s>` at 0, 1, 2.
///
/// `counts[id]` are training-text counts, the input of the unigram noise distribution:
/// `counts[unkID]` includes every token mapped to `<unk>`, `counts[bosID]` is 0 (`<s>` is
/// context only, never predicted) and `counts[eosID]` is the number of sentences (one `</s>` is
/// predicted per sentence). A vocabulary loaded from a file without counts has all counts 0
/// until `setCounts(fromTrainingText:)`.
public struct Vocabulary: Sendable, Equatable {
  public static let unkID: Int32 = 0
  public static let bosID: Int32 = 1
  public static let eosID: Int32 = 2
  public static let unkWord = "<unk>"
  public static let bosWord = "<s>"
  public static let eosWord = "</s>"
  /// The reserved words, in id order.
  public static let reservedWords = [unkWord, bosWord, eosWord]

  /// Words by id.
  public private(set) var words: [String]
  /// Training counts by id (see the type's contract for the reserved ids).
  public private(set) var counts: [Int]
  /// Word types of the training text that were mapped to <unk> by --min-freq; nil when the training
  /// text itself contains <unk> (then no such count exists) or the vocabulary came from a file.
  public var unknownTypeCount: Int?

  private var index: [String: Int32]

  /// Number of words, reserved ones included.
  public var count: Int { words.count }

  /// Builds a vocabulary from its parts (used by the checkpoint reader and by `build`/`load`).
  /// Throws an `InputError` without a file when `words` does not start with the reserved words,
  /// holds a duplicate or an empty word, or `counts` does not match.
  public init(words: [String], counts: [Int], unknownTypeCount: Int?) throws {
    guard words.count >= 3, Array(words[0..<3]) == Self.reservedWords else {
      throw InputError("vocabulary must start with <unk> <s> </s>")
    }
    guard words.count < Int(Int32.max) else { throw InputError("vocabulary too large (\(words.count) words)") }
    guard counts.count == words.count else {
      throw InputError("vocabulary has \(words.count) words but \(counts.count) counts")
    }
    if let negative = counts.firstIndex(where: { $0 < 0 }) {
      throw InputError("negative count \(counts[negative]) for word '\(words[negative])'")
    }
    if let unknownTypeCount, unknownTypeCount < 0 {
      throw InputError("negative number of unknown word types")
    }
    var index: [String: Int32] = [:]
    index.reserveCapacity(words.count)
    for (id, word) in words.enumerated() {
      if word.isEmpty || word.utf8.contains(where: WhitespaceTokenizer.isSeparator) {
        throw InputError("invalid word '\(word)' at id \(id): empty or contains whitespace")
      }
      if let first = index.updateValue(Int32(id), forKey: word) {
        throw InputError("duplicate word '\(word)' at ids \(first) and \(id)")
      }
    }
    self.words = words
    self.counts = counts
    self.unknownTypeCount = unknownTypeCount
    self.index = index
  }

  /// The id of `word`, or `unkID` when it is not in the vocabulary. One hash lookup.
  @inline(__always)
  public func id(of word: Substring) -> Int32 { index[String(word)] ?? Self.unkID }

  /// The id of `word`, or `unkID` when it is not in the vocabulary. One hash lookup.
  @inline(__always)
  public func id(of word: String) -> Int32 { index[word] ?? Self.unkID }

  /// Whether `word` has its own id (`<unk>` itself counts as contained).
  public func contains(_ word: Substring) -> Bool { index[String(word)] != nil }

  /// Replaces the counts; `counts.count` must equal `count`.
  mutating func replaceCounts(_ counts: [Int]) {
    precondition(counts.count == words.count)
    self.counts = counts
  }

  public static func == (a: Vocabulary, b: Vocabulary) -> Bool {
    a.words == b.words && a.counts == b.counts && a.unknownTypeCount == b.unknownTypeCount
  }
}
