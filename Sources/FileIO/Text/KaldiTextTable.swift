/// A whole Kaldi text table in memory (`text`, a reference, `ark,t:` token vectors), read by
/// `KaldiTableReader`: `key w1 w2 ...` per line, in file order, blank lines skipped; see
/// `KaldiTableReader` for the whitespace, byte-order-mark and rspecifier rules.
public enum KaldiTextTable {
  /// Reads the table named by a Kaldi rspecifier (see `TableSpecifier`), in file order.
  /// A duplicate key throws an `InputError` naming the key, the file, its line and the line
  /// of the first occurrence.
  public static func read(_ rspecifier: String) throws -> [(key: String, words: [String])] {
    try read(TableSpecifier(parsing: rspecifier))
  }

  /// Reads the table described by `specifier`.
  public static func read(_ specifier: TableSpecifier) throws -> [(key: String, words: [String])] {
    let reader = try KaldiTableReader(specifier)
    var entries: [(key: String, words: [String])] = []
    var firstLine: [String: Int] = [:]
    while let (key, fields) = try reader.next() {
      let key = String(key)
      if let first = firstLine.updateValue(reader.lineNumber, forKey: key) {
        throw reader.error("duplicate key '\(key)' (first at line \(first))")
      }
      entries.append((key, fields.map(String.init)))
    }
    return entries
  }
}
