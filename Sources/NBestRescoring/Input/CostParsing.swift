import FileIO
import Foundation
import NCECore

/// Parsing of numeric score fields shared by the N-best readers.
enum CostParsing {
  /// `ln 10`: a log10 score `s` is the cost `-s * ln10`.
  static let ln10 = 2.302585092994046

  /// Parses a cost field. Accepts decimal and exponent notation and `inf`/`+inf`/`Infinity`
  /// (an impossible path); NaN and negative infinity are errors at `file:line`.
  static func cost(_ field: Substring, what: String, file: String, line: Int) throws -> Double {
    guard let value = Double(field) else {
      throw InputError("\(what) is not a number: '\(field)'", file: file, line: line)
    }
    try checkCost(value, what: what, file: file, line: line)
    return value
  }

  /// A log10 probability score (SRILM, CUED) converted to a natural-log cost.
  static func log10Score(_ field: Substring, what: String, file: String, line: Int) throws -> Double {
    guard let value = Double(field) else {
      throw InputError("\(what) is not a number: '\(field)'", file: file, line: line)
    }
    let cost = -value * ln10
    try checkCost(cost, what: what, file: file, line: line)
    return cost
  }

  static func checkCost(_ cost: Double, what: String, file: String, line: Int) throws {
    if cost.isNaN { throw InputError("\(what) is NaN", file: file, line: line) }
    if cost == -.infinity {
      throw InputError("\(what) is an infinite probability (cost -inf)", file: file, line: line)
    }
  }
}
