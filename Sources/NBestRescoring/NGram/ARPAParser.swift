import FileIO
import Foundation
import NCECore

/// Reads the text of an ARPA back-off model into the tables of `ARPAModel`.
///
/// Accepts any order, blank lines between sections, fields separated by any of Kaldi's
/// whitespace (`WhitespaceTokenizer`), and `-inf` / `-99` log probabilities. The `\data\` counts must match the sections. Errors name the file and line.
struct ARPAParser {
  struct Result {
    var vocabulary: [String: Int32] = [:]
    var unigrams: [NGramEntry] = []
    var index: [[UInt64: Int32]] = []
    var entries: [[NGramEntry]] = []
  }

  private let reader: LineReader

  init(path: String) throws { reader = try LineReader(path: path) }

  mutating func parse() throws -> Result {
    let (declared, declaredLines) = try readHeader()
    var result = Result()
    result.index = Array(repeating: [:], count: declared.count - 1)
    result.entries = Array(repeating: [], count: declared.count - 1)
    // The declared counts are only a hint until the sections confirm them: a corrupt count
    // must not allocate (or trap on) a huge table.
    for (k, count) in declared.enumerated() where k >= 1 {
      result.index[k - 1].reserveCapacity(min(count, 1 << 24))
      result.entries[k - 1].reserveCapacity(min(count, 1 << 24))
    }
    var line = try nextNonBlank()
    for n in 1...declared.count {
      guard line == "\\\(n)-grams:" else {
        throw reader.error("expected '\\\(n)-grams:', found '\(line ?? "end of file")'")
      }
      var read = 0
      while true {
        line = try nextNonBlank()
        guard let text = line, !text.hasPrefix("\\") else { break }
        try addNGram(text, order: n, into: &result)
        read += 1
      }
      guard read == declared[n - 1] else {
        throw InputError(
          "\\data\\ declares \(declared[n - 1]) \(n)-grams, the section has \(read)", file: reader.path,
          line: declaredLines[n - 1])
      }
    }
    guard line == "\\end\\" else { throw reader.error("expected '\\end\\', found '\(line ?? "end of file")'") }
    for marker in ["<s>", "</s>"] where result.vocabulary[marker] == nil {
      throw InputError("the model has no \(marker) unigram", file: reader.path)
    }
    return result
  }

  /// Reads up to and including the `ngram k=count` lines; returns the counts by order and
  /// the line numbers where they are declared.
  private mutating func readHeader() throws -> ([Int], [Int]) {
    while let line = try reader.nextLine() {
      if WhitespaceTokenizer.trimmed(line) == "\\data\\" { break }
    }
    if reader.lineNumber == 0 { throw InputError("empty file, expected an ARPA model", file: reader.path) }
    var counts: [Int] = []
    var lines: [Int] = []
    while let line = try nextNonBlank() {
      let tokens = WhitespaceTokenizer.tokens(of: line)
      guard tokens.first == "ngram", tokens.count > 1 else {
        pushedBack = line
        break
      }
      let spec = tokens.dropFirst().joined().split(separator: "=", omittingEmptySubsequences: false)
      guard spec.count == 2, let order = Int(spec[0]), let count = Int(spec[1]), order == counts.count + 1, count >= 0
      else { throw reader.error("bad \\data\\ line '\(line)' (expected 'ngram \(counts.count + 1)=<count>')") }
      counts.append(count)
      lines.append(reader.lineNumber)
    }
    guard !counts.isEmpty else { throw reader.error("no 'ngram 1=<count>' line after \\data\\") }
    return (counts, lines)
  }

  private var pushedBack: String?

  private mutating func nextNonBlank() throws -> String? {
    if let line = pushedBack {
      pushedBack = nil
      return line
    }
    while let line = try reader.nextLine() {
      let trimmed = WhitespaceTokenizer.trimmed(line)
      if !trimmed.isEmpty { return String(trimmed) }
    }
    return nil
  }

  private func addNGram(_ line: String, order n: Int, into result: inout Result) throws {
    let fields = WhitespaceTokenizer.tokens(of: line)
    guard fields.count == n + 1 || fields.count == n + 2 else {
      throw reader.error(
        "a \(n)-gram line needs 'logprob' + \(n) words + optional back-off, found \(fields.count) fields")
    }
    guard let logProb = Double(fields[0]), !logProb.isNaN else {
      throw reader.error("log probability is not a number: '\(fields[0])'")
    }
    var backoff = 0.0
    if fields.count == n + 2 {
      guard let value = Double(fields[n + 1]), value.isFinite else {
        throw reader.error("back-off weight is not a finite number: '\(fields[n + 1])'")
      }
      backoff = value
    }
    let entry = NGramEntry(cost: Float(-logProb * CostParsing.ln10), backoffCost: Float(-backoff * CostParsing.ln10))
    if n == 1 {
      let word = String(fields[1])
      guard result.vocabulary[word] == nil else { throw reader.error("duplicate unigram '\(word)'") }
      result.vocabulary[word] = Int32(result.unigrams.count)
      result.unigrams.append(entry)
      return
    }
    var ids: [Int32] = []
    ids.reserveCapacity(n)
    for word in fields[1...n] {
      guard let id = result.vocabulary[String(word)] else {
        throw reader.error("word '\(word)' of a \(n)-gram is not among the unigrams")
      }
      ids.append(id)
    }
    var prefix = ids[0]
    for k in 2..<n {
      guard let found = result.index[k - 2][ARPAModel.key(prefix, ids[k - 1])] else {
        throw reader.error("the prefix of this \(n)-gram is not a \(k)-gram of the model")
      }
      prefix = found
    }
    let key = ARPAModel.key(prefix, ids[n - 1])
    let id = Int32(result.entries[n - 2].count)
    guard result.index[n - 2].updateValue(id, forKey: key) == nil else {
      throw reader.error("duplicate \(n)-gram")
    }
    result.entries[n - 2].append(entry)
  }
}
