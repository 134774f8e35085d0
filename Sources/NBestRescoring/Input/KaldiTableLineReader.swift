import FileIO
import NCECore

/// Reads a Kaldi text table `key value...` line by line: returns the key and the rest.
///
/// Blank lines and lines without a key are errors naming the file and line.
final class KaldiTableLineReader {
  let lines: TextLineReader
  var path: String { lines.path }
  var lineNumber: Int { lines.lineNumber }

  init(path: String) throws { lines = try TextLineReader(path: path) }

  /// The next `(key, fields after the key)`, or nil at the end of the file.
  func next() throws -> (key: Substring, fields: [Substring])? {
    guard let line = try lines.nextLine() else { return nil }
    let fields = CostParsing.fields(line)
    guard let key = fields.first else { throw lines.error("empty line (expected 'key value')") }
    return (key, Array(fields.dropFirst()))
  }

  /// The next `(key, cost)` of a `key cost` table, or nil at the end of the file.
  func nextCost(what: String) throws -> (key: Substring, cost: Double)? {
    guard let (key, fields) = try next() else { return nil }
    guard fields.count == 1 else {
      throw lines.error("expected 'key \(what)', found \(fields.count + 1) fields")
    }
    return (key, try CostParsing.cost(fields[0], what: what, file: path, line: lineNumber))
  }
}
