import FileIO
import NCECore

/// A back-off n-gram model of any order read from an ARPA file (plain, `.gz` or `.zst`).
///
/// Costs are natural-log (`-ln p`, ARPA's log10 values times `-ln 10`). A sentence is scored
/// as `P(w1..wn </s> | <s>)`: `<s>` is context only, `</s>` is predicted. The probability of
/// `w` after history `h` is the standard back-off recursion (as SRILM and KenLM compute it):
/// the longest n-gram `(h', w)` in the model with `h'` a suffix of `h`, plus the back-off
/// weights of every longer suffix of `h` that is in the model.
///
/// Words not in the model map to `<unk>`; if the model has no `<unk>`, a unigram `<unk>` with
/// log10 p = -100 and no back-off weight stands in for it, as KenLM does
/// (`unknown_missing_logprob`). A model without `<s>` or `</s>` is rejected.
/// Every n-gram's prefix must itself be in the model (SRILM, KenLM and IRSTLM write such files);
/// otherwise loading fails with an `InputError` at that line.
///
/// Memory: about 24 bytes per n-gram of order >= 2 (a hash entry plus two Floats).
public final class ARPAModel: Sendable {
  /// The order N of the model (highest n-gram length).
  public let order: Int
  /// Word ids by spelling (unigrams in file order).
  private let vocabulary: [String: Int32]
  /// Cost and back-off cost per unigram, indexed by word id.
  private let unigrams: [NGramEntry]
  /// For order k >= 2 at index k - 2: (prefix entry id, word id) -> entry id of that order.
  private let index: [[UInt64: Int32]]
  /// For order k >= 2 at index k - 2: entries by id.
  private let entries: [[NGramEntry]]
  /// The id of `<unk>` (the file's, or the substitute's).
  public let unknownID: Int32
  /// Whether the file defines `<unk>` (otherwise a substitute with log10 p = -100 is used).
  public let hasUnknownWord: Bool
  public let sentenceStartID: Int32
  public let sentenceEndID: Int32
  /// Cost of a word when the model has no `<unk>`: 100 ln 10.
  public static let missingUnknownCost = 100 * CostParsing.ln10

  /// Number of n-grams of each order, `counts[0]` being unigrams.
  public var counts: [Int] { [unigrams.count] + entries.map(\.count) }

  /// Whether `word` is in the vocabulary.
  public func contains(_ word: String) -> Bool { vocabulary[word] != nil }

  /// The id of `word`, `unknownID` when the model lacks it (the rule `wordCosts` applies).
  public func id(of word: String) -> Int32 { vocabulary[word] ?? unknownID }

  /// Loads `path`. Errors name the file and line.
  public convenience init(path: String) throws {
    var parser = try ARPAParser(path: path)
    try self.init(parsed: parser.parse())
  }

  init(parsed: ARPAParser.Result) {
    var parsed = parsed
    hasUnknownWord = parsed.vocabulary["<unk>"] != nil
    if !hasUnknownWord {
      // KenLM's substitute: a unigram <unk> with log10 p = -100 and no back-off weight.
      parsed.vocabulary["<unk>"] = Int32(parsed.unigrams.count)
      parsed.unigrams.append(NGramEntry(cost: Float(Self.missingUnknownCost), backoffCost: 0))
    }
    order = parsed.entries.count + 1
    vocabulary = parsed.vocabulary
    unigrams = parsed.unigrams
    index = parsed.index
    entries = parsed.entries
    unknownID = parsed.vocabulary["<unk>"]!
    sentenceStartID = parsed.vocabulary["<s>"]!
    sentenceEndID = parsed.vocabulary["</s>"]!
  }

  /// Per-word costs of `words </s>` after `<s>`: `words.count + 1` values, `</s>` last.
  public func wordCosts<S: StringProtocol>(_ words: [S]) -> [Double] {
    var ids: [Int32] = []
    ids.reserveCapacity(words.count + 2)
    ids.append(sentenceStartID)
    for word in words { ids.append(vocabulary[String(word)] ?? unknownID) }
    ids.append(sentenceEndID)
    var costs: [Double] = []
    costs.reserveCapacity(words.count + 1)
    ids.withUnsafeBufferPointer { ids in
      for position in 1..<ids.count {
        costs.append(cost(of: ids[position], history: UnsafeBufferPointer(rebasing: ids[..<position])))
      }
    }
    return costs
  }

  /// Cost of `words </s>` after `<s>` (the sum of `wordCosts(words)`).
  public func sentenceCost<S: StringProtocol>(_ words: [S]) -> Double {
    wordCosts(words).reduce(0, +)
  }

  /// Cost of word id `word` after `history` (ids, most recent last; only the last `order - 1`
  /// are used; a sentence's history starts with `sentenceStartID`).
  public func cost(of word: Int32, history: UnsafeBufferPointer<Int32>) -> Double {
    let maxContext = min(history.count, order - 1)
    // Longest k such that (history suffix of length k, word) is an n-gram.
    var matched = 0
    var matchedCost = Double(unigrams[Int(word)].cost)
    if maxContext >= 1 {
      for k in 1...maxContext {
        guard let id = entryID(context: history, length: k, then: word) else { break }
        matched = k
        matchedCost = Double(entries[k - 1][Int(id)].cost)
      }
    }
    // Back-off weights of every longer context that is in the model.
    var total = matchedCost
    if matched < maxContext {
      for k in (matched + 1)...maxContext {
        if let id = entryID(context: history, length: k, then: nil) {
          total += Double(k == 1 ? unigrams[Int(id)].backoffCost : entries[k - 2][Int(id)].backoffCost)
        }
      }
    }
    return total
  }

  /// The entry id of the n-gram made of the last `length` ids of `context` followed by `word`
  /// (or just those ids when `word` is nil), or nil if it is not in the model.
  private func entryID(context: UnsafeBufferPointer<Int32>, length: Int, then word: Int32?) -> Int32? {
    let start = context.count - length
    var id = context[start]
    var n = 1
    func extend(_ next: Int32) -> Bool {
      guard n - 1 < index.count, let found = index[n - 1][ARPAModel.key(id, next)] else {
        return false
      }
      id = found
      n += 1
      return true
    }
    for position in (start + 1)..<context.count {
      if !extend(context[position]) { return nil }
    }
    if let word, !extend(word) { return nil }
    return id
  }

  @inline(__always) static func key(_ prefix: Int32, _ word: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: prefix)) << 32 | UInt64(UInt32(bitPattern: word))
  }
}

/// Cost and back-off cost of one n-gram, both `-ln` (back-off cost 0 when absent).
struct NGramEntry: Sendable {
  var cost: Float
  var backoffCost: Float
}
