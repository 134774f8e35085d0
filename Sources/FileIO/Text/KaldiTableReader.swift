/// The one reader of Kaldi text tables (`text`, `utt2spk`, `words_text`, `acwt`, `lmwt.*`,
/// `ark,t:` token vectors): streams `key field field ...` lines in file order.
///
/// Contract, the same for every table of every tool:
/// - Lines come from `LineReader` (plain, `.gz`, `.zst`, `-`, `"cmd |"`; UTF-8; CRLF accepted;
///   a UTF-8 byte-order mark is an error naming the file).
/// - Fields are split by `WhitespaceTokenizer` (Kaldi's `" \t\n\v\f\r"`); the key is the first
///   field, and a line holding only a key has no fields (an empty transcript). Kaldi's archive
///   reader also wants a space, tab or newline right after the key and refuses `\v`, `\f` or
///   `\r` there; this reader splits on all six alike, so it reads every table Kaldi reads, the
///   same way, and a few more.
/// - Blank lines (empty or whitespace only) are skipped, as Kaldi's archive reader skips
///   whitespace before a key.
/// - `ark,s:` checks that keys come in sorted (byte) order; `ark,p:` skips lines that are
///   not valid UTF-8. Duplicate keys are the caller's concern (`KaldiTextTable` refuses them).
/// Memory is bounded by the longest line.
public final class KaldiTableReader {
  public let specifier: TableSpecifier
  private let lines: LineReader
  private var previousKey: String?

  /// Opens the table named by `specifier`.
  public init(_ specifier: TableSpecifier) throws {
    self.specifier = specifier
    lines = try LineReader(path: specifier.path, skippingInvalidUTF8: specifier.permissive)
  }

  /// Opens the table named by a Kaldi rspecifier (`ark,t:text`, `-`, `text`, ...).
  public convenience init(rspecifier: String) throws {
    try self.init(TableSpecifier(parsing: rspecifier))
  }

  /// Opens a table file by its path (an rxfilename: no `ark:` prefix is interpreted), for
  /// the files found inside a directory.
  public convenience init(path: String) throws {
    try self.init(TableSpecifier(path: path))
  }

  /// The file read (`-` for stdin), as named in errors.
  public var path: String { specifier.path }
  /// 1-based number of the line last returned.
  public var lineNumber: Int { lines.lineNumber }

  /// The next entry: its key and the fields after it; nil at the end of the table.
  public func next() throws -> (key: Substring, fields: [Substring])? {
    while let line = try lines.nextLine() {
      guard let entry = WhitespaceTokenizer.keyAndFields(of: line) else { continue }
      if specifier.sorted {
        if let previousKey, entry.key.utf8.lexicographicallyPrecedes(previousKey.utf8) {
          throw error("key '\(entry.key)' comes after '\(previousKey)' but the table was declared sorted (ark,s:)")
        }
        previousKey = String(entry.key)
      }
      return entry
    }
    return nil
  }

  /// An `InputError` located at the line last returned.
  public func error(_ message: String) -> InputError { lines.error(message) }
}
