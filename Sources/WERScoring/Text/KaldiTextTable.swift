import FileIO

/// A Kaldi text table (`text`, `words_text`, `ark,t:` of token vectors): one `key w1 w2 ...`
/// per line, fields separated by ASCII whitespace. The key is the first field; a line with a
/// key only has no words. Blank lines are skipped (Kaldi's reader skips whitespace before a
/// key). CRLF endings are accepted; text must be UTF-8 and may use any script.
public enum KaldiTextTable {
  /// Reads the table named by a Kaldi read specifier (see `TableSpecifier`), in file order.
  /// A duplicate key throws an `InputError` naming the key, the file, its line and the line
  /// of the first occurrence.
  public static func read(_ spec: String) throws -> [(key: String, words: [String])] {
    try read(TableSpecifier(parsing: spec))
  }

  /// Reads the table described by `specifier`.
  public static func read(_ specifier: TableSpecifier) throws -> [(key: String, words: [String])] {
    let reader = try LineReader(path: specifier.path)
    var entries: [(key: String, words: [String])] = []
    var firstLine: [String: Int] = [:]
    var previousKey: String?
    while true {
      let line: String
      do {
        guard let next = try reader.nextLine() else { break }
        line = next
      } catch let error as InputError where specifier.permissive && error.line != nil {
        continue
      }
      var fields = splitFields(line)
      if fields.isEmpty { continue }
      let key = fields.removeFirst()
      if let first = firstLine[key] {
        throw InputError(
          "duplicate key '\(key)' (first at line \(first))", file: specifier.path,
          line: reader.lineNumber)
      }
      if specifier.sorted, let previousKey, key.utf8.lexicographicallyPrecedes(previousKey.utf8) {
        throw InputError(
          "key '\(key)' comes after '\(previousKey)' but the table was declared sorted (ark,s:)",
          file: specifier.path, line: reader.lineNumber)
      }
      firstLine[key] = reader.lineNumber
      previousKey = key
      entries.append((key, fields))
    }
    return entries
  }

  /// Splits on Kaldi's white space (space, tab, CR, LF, FF, VT); other characters, including
  /// non-ASCII spaces, belong to words.
  public static func splitFields(_ line: String) -> [String] {
    var fields: [String] = []
    var line = line
    line.makeContiguousUTF8()
    _ = line.utf8.withContiguousStorageIfAvailable { bytes in
      var start = -1
      for index in 0..<bytes.count {
        let byte = bytes[index]
        let isSpace = byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
        if isSpace {
          if start >= 0 {
            fields.append(
              String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            start = -1
          }
        } else if start < 0 {
          start = index
        }
      }
      if start >= 0 {
        fields.append(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]), as: UTF8.self)
        )
      }
    }
    return fields
  }
}
