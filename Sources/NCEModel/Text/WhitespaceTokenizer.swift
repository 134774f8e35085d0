/// Splits a text line into whitespace-separated tokens without allocating.
///
/// Separators are the ASCII blanks Kaldi's `SplitStringToVector(" \t")` and SRILM accept:
/// space, tab, vertical tab, form feed and carriage return. Other bytes (including non-ASCII
/// Unicode spaces) belong to tokens, so a token is exactly what Kaldi would read.
enum WhitespaceTokenizer {
  @inline(__always)
  static func isSeparator(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0x0D
  }

  /// Calls `body` with each token of `line`, in order.
  @inline(__always)
  static func forEachToken(in line: String, _ body: (Substring) throws -> Void) rethrows {
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

  /// The tokens of `line` as an array (for small inputs such as vocabulary lines).
  static func tokens(of line: String) -> [Substring] {
    var result: [Substring] = []
    forEachToken(in: line) { result.append($0) }
    return result
  }
}
