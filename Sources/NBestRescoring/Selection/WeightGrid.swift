import FileIO
import Foundation
import NCECore

/// A set of values for one weight, parsed from the command line.
///
/// Syntax: `9.5` (one value), `0.0,0.5,1.0` (a list), `7:17` (the integers 7..17, as
/// Kaldi's `--min-lmwt 7 --max-lmwt 17`), `0:0.25:1` (start:step:end, end included when it is
/// reached within 1e-9 of a step). Values are rounded to 10 significant digits so that
/// `0:0.1:1` gives 0.3, not 0.30000000000000004; `labels` are their shortest `%g` spellings,
/// used in file names (`lmwt.interp.0.25`, `wer_9.5_0`).
///
/// Duplicates are removed, keeping the first occurrence: two values are the same setting when
/// they are equal after that rounding, i.e. when they agree to 10 significant digits (a
/// relative difference below about 5e-11: `0.5,0.5` and `0.1,0.10000000001` are one value).
/// `-0` is `0`.
public struct WeightGrid: Sendable, Equatable {
  public let values: [Double]
  public let labels: [String]
  /// At most this many values (a typo like `0:0.0001:100` is an error, not a long sweep).
  public static let maximumCount = 10_000

  public init(values: [Double]) {
    var seen = Set<Double>()
    self.values = values.map(Self.rounded).filter { seen.insert($0).inserted }
    self.labels = self.values.map(Self.label)
  }

  /// Parses `text` for the option `name` (used in error messages).
  public init(parsing text: String, name: String) throws {
    func fail(_ why: String) -> InputError { InputError("bad value '\(text)' for \(name): \(why)") }
    func number(_ s: Substring) throws -> Double {
      guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
        throw fail("'\(s)' is not a finite number")
      }
      return v
    }
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.contains(",") {
      self.init(values: try trimmed.split(separator: ",", omittingEmptySubsequences: false).map(number))
    } else if trimmed.contains(":") {
      let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
      let start: Double
      let step: Double
      let end: Double
      switch parts.count {
      case 2:
        start = try number(parts[0])
        end = try number(parts[1])
        guard start == start.rounded(), end == end.rounded() else {
          throw fail("'a:b' means the integers a..b; use start:step:end for fractions")
        }
        step = 1
      case 3:
        start = try number(parts[0])
        step = try number(parts[1])
        end = try number(parts[2])
        guard step > 0 else { throw fail("the step must be positive") }
      default:
        throw fail("expected start:end or start:step:end")
      }
      guard end >= start else { throw fail("the end is below the start") }
      let steps = ((end - start) / step + 1e-9).rounded(.down)
      guard steps < Double(Self.maximumCount) else { throw fail("more than \(Self.maximumCount) values") }
      self.init(values: (0...Int(steps)).map { start + Double($0) * step })
    } else {
      self.init(values: [try number(Substring(trimmed))])
    }
    guard !values.isEmpty else { throw fail("no values") }
  }

  /// `value` rounded to 10 significant digits; `-0` becomes `0` (adding `+0` clears the sign
  /// of a zero only).
  static func rounded(_ value: Double) -> Double {
    (Double(String(format: "%.10g", value)) ?? value) + 0.0
  }

  /// An integer as such, otherwise the shortest `%g` spelling that reads back (<= 10 digits).
  public static func label(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(format: "%.0f", value) }
    for digits in 1...10 {
      let text = String(format: "%.\(digits)g", value)
      if Double(text) == value { return text }
    }
    return String(format: "%.10g", value)
  }
}
