import FileIO

extension KaldiTableReader {
  /// The next `(key, cost)` of a `key cost` table (`acwt`, `lmwt.*`), or nil at the end of the
  /// table. A line with another number of fields, or a cost `CostParsing.cost` refuses, is an
  /// `InputError` at its line.
  func nextCost(what: String) throws -> (key: Substring, cost: Double)? {
    guard let (key, fields) = try next() else { return nil }
    guard fields.count == 1 else {
      throw error("expected 'key \(what)', found \(fields.count + 1) fields")
    }
    return (key, try CostParsing.cost(fields[0], what: what, file: path, line: lineNumber))
  }
}
