/// The one tokenizer of every text input: splits a line into tokens separated by runs of
/// Kaldi's whitespace, without allocating.
///
/// The separators are the six bytes of C's `isspace` in the "C" locale, the set Kaldi uses:
/// space, tab, line feed, vertical tab, form feed and carriage return (`" \t\n\v\f\r"`, as in
/// `TokenVectorHolder::Read` and `SplitStringToVector` for a `text` table, and as `operator>>`
/// reads a table key). Every other byte belongs to a token: a non-ASCII space such as U+00A0
/// (no-break space), U+2003 or U+3000 stays inside its token, exactly as Kaldi reads it, so
/// words in any script are never split.
public enum WhitespaceTokenizer {
  /// Whether `byte` separates tokens (`" \t\n\v\f\r"`).
  @inlinable @inline(__always)
  public static func isSeparator(_ byte: UInt8) -> Bool {
    byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
  }

  /// Calls `body` with each token of `line`, in order.
  @inlinable @inline(__always)
  public static func forEachToken(in line: String, _ body: (Substring) throws -> Void) rethrows {
    let bytes = line.utf8
    var start = bytes.startIndex
    let end = bytes.endIndex
    while start < end {
      while start < end && isSeparator(bytes[start]) { start = bytes.index(after: start) }
      if start == end { return }
      var stop = bytes.index(after: start)
      while stop < end && !isSeparator(bytes[stop]) { stop = bytes.index(after: stop) }
      try body(line[start..<stop])
      start = stop
    }
  }

  /// The tokens of `line` as an array.
  public static func tokens(of line: String) -> [Substring] {
    var result: [Substring] = []
    forEachToken(in: line) { result.append($0) }
    return result
  }

  /// Whether `line` has no token (empty or separators only): a blank line.
  public static func isBlank(_ line: String) -> Bool {
    !line.utf8.contains { !isSeparator($0) }
  }

  /// `line` without leading and trailing separators.
  public static func trimmed(_ line: String) -> Substring {
    let bytes = line.utf8
    guard let first = bytes.firstIndex(where: { !isSeparator($0) }),
      let last = bytes.lastIndex(where: { !isSeparator($0) })
    else { return line[line.endIndex...] }
    return line[first..<bytes.index(after: last)]
  }

  /// The first token of `line` and the tokens after it, or nil for a blank line.
  public static func keyAndFields(of line: String) -> (key: Substring, fields: [Substring])? {
    var key: Substring?
    var fields: [Substring] = []
    forEachToken(in: line) { token in
      if key == nil { key = token } else { fields.append(token) }
    }
    guard let key else { return nil }
    return (key, fields)
  }
}
