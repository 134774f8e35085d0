import NCECore
import Testing

@testable import NCEModel

/// Central finite differences on Float parameters with the loss accumulated in Double.
/// With step `h` the truncation error is O(h²) and the rounding error about
/// `1e-7 * |loss| / h`; h = 1e-2 on losses of size ~10 gives ~1e-4 absolute error, so the
/// tolerance below (2% relative or 2e-3 absolute) has a wide margin yet catches any wrong term.
enum GradientChecking {
  /// `(loss(x+h) - loss(x-h)) / 2h`, where `set` writes the perturbed value `x` back.
  static func numericGradient(at base: Float, set: (Float) -> Void, step: Float = 1e-2, loss: () -> Double) -> Double {
    set(base + step)
    let plus = loss()
    set(base - step)
    let minus = loss()
    set(base)
    return (plus - minus) / (2 * Double(step))
  }

  static func expectClose(
    _ analytic: Double, _ numeric: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let error = abs(analytic - numeric)
    let scale = max(abs(analytic), abs(numeric))
    #expect(
      error <= 2e-3 || error <= 2e-2 * scale, "\(what): analytic \(analytic) vs numeric \(numeric)",
      sourceLocation: sourceLocation)
  }

  /// Checks `count` entries of `parameter` (spread over the tensor) against `loss`, whose
  /// gradient must already be in `parameter.gradient`.
  static func check(
    _ parameter: Parameter, entries count: Int = 12, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let total = parameter.value.count
    let stride = max(1, total / count)
    for index in Swift.stride(from: 0, to: total, by: stride) {
      let analytic = Double(parameter.gradient.storage[index])
      let numeric = numericGradient(
        at: parameter.value.storage[index], set: { parameter.value.storage[index] = $0 }, loss: loss)
      expectClose(analytic, numeric, "\(parameter.name)[\(index)]", sourceLocation: sourceLocation)
    }
  }

  static func randomMatrix(rows: Int, cols: Int, using rng: inout SeededGenerator) -> Matrix {
    ParameterInitializer.uniform(rows: rows, cols: cols, bound: 1, using: &rng)
  }

  /// `Σ weights ∘ m`: a loss whose gradient w.r.t. `m` is `weights`.
  static func weightedSum(_ m: Matrix, _ weights: Matrix) -> Double {
    zip(m.storage, weights.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
  }
}
