import Foundation
import Testing

@testable import NCECore

/// Element-wise kernels against Double references.
///
/// Designed bounds (one float ulp is 2^-23 ≈ 1.19e-7 relative):
/// - `exp` on [-87, 88]: relative error ≤ 3e-7 (the polynomial is accurate to ~1 ulp, the
///   range reduction and the final scaling add at most one rounding each). Below -87.3 the
///   input is clamped: the result is a tiny non-negative number ≤ 1.3e-38 (absolute bound).
///   Above 88.3 it saturates at exp(88.3) ≈ 2.1e38, finite.
/// - `sigmoid`: absolute error ≤ 2e-7 everywhere and relative error ≤ 4e-7 where the result is
///   ≥ 1e-30 (it is one exp, one add and one division).
/// - `tanh = 2 / (1 + exp(-2x)) - 1`: absolute error ≤ 3e-7 (the subtraction cancels near 0,
///   so only an absolute bound holds there).
@Suite struct VectorMathTests {
  /// `count` points evenly spaced on [lower, upper]; count is not a multiple of 16, so the
  /// zero-padded tail path runs too.
  static func grid(_ lower: Float, _ upper: Float, count: Int = 200_003) -> [Float] {
    (0..<count).map { lower + (upper - lower) * Float($0) / Float(count - 1) }
  }

  static func apply(_ kernel: (UnsafeMutablePointer<Float>, Int) -> Void, to input: [Float])
    -> [Float]
  {
    var output = input
    output.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
    return output
  }

  @Test func expRelativeErrorOnFullRange() {
    let xs = Self.grid(-87, 88)
    let ys = Self.apply({ VectorMath.exp($0, count: $1) }, to: xs)
    var worst = 0.0
    for (x, y) in zip(xs, ys) {
      let reference = Foundation.exp(Double(x))
      worst = max(worst, abs(Double(y) - reference) / reference)
    }
    #expect(worst <= 3e-7, "max relative error \(worst)")
  }

  /// `log` on positive normal floats from 1e-37 to 3e38 and densely on [1, 2] (where the NCE
  /// loss uses it as log1p): relative error below 3e-7, absolute below 1e-7 near 1.
  @Test func logErrorOnPositiveNormals() {
    let wide = (0..<200_003).map { Float(Foundation.exp(-85.0 + 173.0 * Double($0) / 200_002)) }
    let xs = wide + Self.grid(1, 2)
    let ys = Self.apply({ VectorMath.map($0, $1, VectorMath.log) }, to: xs)
    var worst = 0.0
    for (x, y) in zip(xs, ys) {
      let reference = Foundation.log(Double(x))
      worst = max(worst, abs(Double(y) - reference) / max(abs(reference), 0.3))
    }
    #expect(worst <= 3e-7, "max error \(worst)")
  }

  @Test func expNearZeroAndExactPoints() {
    let xs: [Float] = [0, 1, -1, 0.5, 1e-8, -1e-8, Float(Foundation.log(2.0)), 10, -10]
    let ys = Self.apply({ VectorMath.exp($0, count: $1) }, to: xs)
    #expect(ys[0] == 1)
    for (x, y) in zip(xs, ys) {
      let reference = Foundation.exp(Double(x))
      #expect(abs(Double(y) - reference) <= 3e-7 * reference, "exp(\(x)) = \(y)")
    }
  }

  @Test func extremeInputsStayFinite() {
    let huge: [Float] = [
      -.infinity, -.greatestFiniteMagnitude, -1e30, -1000, -100, -87.4, 88.4, 100, 1000, 1e30,
      .greatestFiniteMagnitude, .infinity,
    ]
    let e = Self.apply({ VectorMath.exp($0, count: $1) }, to: huge)
    let s = Self.apply({ VectorMath.sigmoid($0, count: $1) }, to: huge)
    let t = Self.apply({ VectorMath.tanh($0, count: $1) }, to: huge)
    for i in huge.indices {
      #expect(e[i].isFinite && e[i] >= 0, "exp(\(huge[i])) = \(e[i])")
      #expect(s[i].isFinite && s[i] >= 0 && s[i] <= 1, "sigmoid(\(huge[i])) = \(s[i])")
      #expect(t[i].isFinite && abs(t[i]) <= 1, "tanh(\(huge[i])) = \(t[i])")
      if huge[i] < 0 {
        #expect(e[i] <= 1.3e-38)
        #expect(s[i] <= 1e-37)
        #expect(t[i] == -1)
      } else {
        #expect(e[i] >= 2e38)
        #expect(s[i] == 1)
        #expect(t[i] == 1)
      }
    }
  }

  /// `scale * exp(x - shift)`: one subtraction rounding more than `exp`, so the same 3e-7
  /// relative bound plus 1 ulp of the shifted argument's magnitude (|x - shift| ≤ 40 here:
  /// 40 * 6e-8 ≈ 2.4e-6 relative).
  @Test func scaledExpMatchesDouble() {
    var values = Self.grid(-30, 30, count: 1001)
    let shift: Float = 9.5
    let scale: Float = 1.0 / 700
    values.withUnsafeMutableBufferPointer {
      VectorMath.scaledExp($0.baseAddress!, count: $0.count, shift: shift, scale: scale)
    }
    for (x, y) in zip(Self.grid(-30, 30, count: 1001), values) {
      let reference = Double(scale) * Foundation.exp(Double(x) - Double(shift))
      #expect(abs(Double(y) - reference) <= 3e-6 * reference, "x = \(x)")
    }
  }

  @Test func sigmoidMatchesDouble() {
    let xs = Self.grid(-100, 100)
    let ys = Self.apply({ VectorMath.sigmoid($0, count: $1) }, to: xs)
    var worstAbsolute = 0.0
    var worstRelative = 0.0
    for (x, y) in zip(xs, ys) {
      let reference = 1 / (1 + Foundation.exp(-Double(x)))
      let error = abs(Double(y) - reference)
      worstAbsolute = max(worstAbsolute, error)
      if reference >= 1e-30 { worstRelative = max(worstRelative, error / reference) }
    }
    #expect(worstAbsolute <= 2e-7, "max absolute error \(worstAbsolute)")
    #expect(worstRelative <= 4e-7, "max relative error \(worstRelative)")
  }

  @Test func tanhMatchesDouble() {
    let xs = Self.grid(-50, 50) + Self.grid(-1e-3, 1e-3, count: 1001)
    let ys = Self.apply({ VectorMath.tanh($0, count: $1) }, to: xs)
    var worst = 0.0
    for (x, y) in zip(xs, ys) { worst = max(worst, abs(Double(y) - Foundation.tanh(Double(x)))) }
    #expect(worst <= 3e-7, "max absolute error \(worst)")
  }

  @Test(arguments: [0, 1, 15, 16, 17, 33])
  func tailLengthsAreHandled(count: Int) {
    let xs = (0..<count).map { Float($0) * 0.25 - 4 }
    var padded = xs + [12345]
    padded.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, count: count) }
    #expect(padded[count] == 12345, "wrote past the end")
    for i in 0..<count {
      let reference = Foundation.exp(Double(xs[i]))
      #expect(abs(Double(padded[i]) - reference) <= 3e-7 * reference)
    }
  }
}
