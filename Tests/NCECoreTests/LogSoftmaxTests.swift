import Foundation
import Testing

@testable import NCECore

/// `logSumExp` and `logSoftmaxRows` against Double references.
///
/// Designed bound: |error| ≤ 4e-6 · (1 + |value|) — the Float shift by the row maximum
/// rounds to half an ulp of the value, each exp adds ≤ 3e-7 relative (see VectorMathTests), the
/// Float sum of up to 1000 terms adds ≤ 1000 · 2^-24 ≈ 6e-5 relative in the worst case but
/// ≈ √1000 · 2^-24 ≈ 2e-6 for random terms, and the log turns relative into absolute error.
@Suite struct LogSoftmaxTests {
  static func randomRow(count: Int, scale: Float, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (generator.nextUniform() * 2 - 1) * scale }
  }

  static func referenceLogSumExp(_ row: [Float]) -> Double {
    let maximum = Double(row.max()!)
    return maximum + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1) - maximum) })
  }

  @Test(arguments: [1, 15, 16, 17, 100, 1000], [1, 30, 1e4] as [Float])
  func logSumExpMatchesDouble(count: Int, scale: Float) {
    let row = Self.randomRow(count: count, scale: scale, seed: UInt64(count))
    let value = row.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: count) }
    let reference = Self.referenceLogSumExp(row)
    #expect(abs(Double(value) - reference) <= 4e-6 * (1 + abs(reference)), "\(value) vs \(reference)")
  }

  @Test func logSumExpHasNoOverflowOrUnderflow() {
    let big: [Float] = [1e30, 1e30, 1e30 - 1e24]
    let value = big.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: 3) }
    #expect(value.isFinite && value >= 1e30)
    let small = [Float](repeating: -1e4, count: 20)
    let low = small.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: 20) }
    #expect(abs(Double(low) - (-1e4 + Foundation.log(20.0))) <= 1e-2)
    let empty = [Float](repeating: -.infinity, count: 17)
    #expect(empty.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: 17) } == -.infinity)
    let oneFinite: [Float] = [-.infinity, 2.5, -.infinity]
    #expect(oneFinite.withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: 3) } == 2.5)
  }

  @Test(arguments: [(3, 7), (4, 16), (2, 1000), (1, 1)])
  func logSoftmaxRowsMatchesDouble(rows: Int, cols: Int) {
    let input = Self.randomRow(count: rows * cols, scale: 20, seed: 99)
    var output = input
    var normalizers = [Float](repeating: .nan, count: rows)
    output.withUnsafeMutableBufferPointer { p in
      normalizers.withUnsafeMutableBufferPointer { z in
        VectorMath.logSoftmaxRows(p.baseAddress!, rows: rows, cols: cols, logNormalizers: z.baseAddress!)
      }
    }
    for r in 0..<rows {
      let row = Array(input[(r * cols)..<((r + 1) * cols)])
      let lse = Self.referenceLogSumExp(row)
      #expect(abs(Double(normalizers[r]) - lse) <= 4e-6 * (1 + abs(lse)))
      var probabilitySum = 0.0
      for j in 0..<cols {
        let wanted = Double(row[j]) - lse
        let got = Double(output[r * cols + j])
        #expect(abs(got - wanted) <= 4e-6 * (1 + abs(Double(row[j])) + abs(lse)), "row \(r) col \(j)")
        probabilitySum += Foundation.exp(got)
      }
      #expect(abs(probabilitySum - 1) <= 1e-5)
    }
  }
}
