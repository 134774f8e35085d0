import FileIO
import Foundation

/// Normalizes word sequences before alignment, applied identically to reference and
/// hypothesis, in this order: case folding (Unicode lowercase), the word mapping
/// (`from to`), then removal of ignored words. Mapping keys and ignored words are case
/// folded too when folding is on, so `--ignore-words=<UNK>` matches `<unk>`.
public struct TextNormalizer: Sendable {
  public private(set) var foldCase: Bool
  public private(set) var mapping: [String: String]
  public private(set) var ignoredWords: Set<String>

  public init(
    foldCase: Bool = false, mapping: [String: String] = [:], ignoredWords: Set<String> = []
  ) {
    self.foldCase = foldCase
    self.mapping = [:]
    self.ignoredWords = []
    for (from, to) in mapping { self.mapping[fold(from)] = fold(to) }
    self.ignoredWords = Set(ignoredWords.map { fold($0) })
  }

  /// The normalizer of compute-wer's options, files read: `--ignore-case`, `--map FILE`, and
  /// `--ignore-words` (a file of words when `ignoredWords` names one, else a comma-separated
  /// list). `rescore-nbest --ref` uses the same, so both tools normalize identically.
  public init(foldCase: Bool, mappingFile: String?, ignoredWords: String?) throws {
    self.init(
      foldCase: foldCase,
      mapping: try mappingFile.map { try Self.readMapping(path: $0) } ?? [:],
      ignoredWords: try ignoredWords.map {
        try Self.readIgnoredWords($0, fileExists: { FileManager.default.fileExists(atPath: $0) })
      } ?? [])
  }

  /// True when normalization changes nothing, so callers may skip it.
  public var isIdentity: Bool { !foldCase && mapping.isEmpty && ignoredWords.isEmpty }

  /// The normalized form of `words`.
  public func normalize(_ words: [String]) -> [String] {
    if isIdentity { return words }
    var result: [String] = []
    result.reserveCapacity(words.count)
    for word in words {
      let folded = fold(word)
      let mapped = mapping[folded] ?? folded
      if !ignoredWords.contains(mapped) { result.append(mapped) }
    }
    return result
  }

  private func fold(_ word: String) -> String { foldCase ? word.lowercased() : word }

  /// Reads a mapping file: one `from to` pair per line, split by `WhitespaceTokenizer` (blank
  /// lines and `#` comment lines skipped). Lines with another number of fields and repeated
  /// `from` words are errors.
  public static func readMapping(path: String) throws -> [String: String] {
    let reader = try LineReader(path: path)
    var mapping: [String: String] = [:]
    while let line = try reader.nextLine() {
      let fields = WhitespaceTokenizer.tokens(of: line).map(String.init)
      if fields.isEmpty || fields[0].hasPrefix("#") { continue }
      guard fields.count == 2 else {
        throw InputError(
          "expected 'from to' (2 fields), got \(fields.count)", file: path, line: reader.lineNumber)
      }
      if mapping[fields[0]] != nil {
        throw InputError("'\(fields[0])' is mapped twice", file: path, line: reader.lineNumber)
      }
      mapping[fields[0]] = fields[1]
    }
    return mapping
  }

  /// The words of `--ignore-words`: the words of the file when `argument` names an existing
  /// file (split by `WhitespaceTokenizer`, any number per line), else a comma-separated list.
  public static func readIgnoredWords(_ argument: String, fileExists: (String) -> Bool) throws
    -> Set<String>
  {
    if fileExists(argument) {
      var words = Set<String>()
      for line in try LineReader.lines(of: argument) {
        WhitespaceTokenizer.forEachToken(in: line) { words.insert(String($0)) }
      }
      return words
    }
    return Set(argument.split(separator: ",").map(String.init).filter { !$0.isEmpty })
  }
}
