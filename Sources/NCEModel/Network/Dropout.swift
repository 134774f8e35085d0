import NCECore

/// Inverted dropout: at training time each element is zeroed with probability `rate` and the
/// survivors are scaled by `1/(1-rate)`, so evaluation is the identity.
public struct Dropout {
  public let rate: Float
  private var mask: [Float] = []

  public init(rate: Float) {
    precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
    self.rate = rate
  }

  public mutating func forward(_ x: Matrix, training: Bool, using rng: inout SeededGenerator) -> Matrix {
    var y = x
    apply(to: &y, training: training, using: &rng)
    return y
  }

  /// `forward` in place (no copy of the activations).
  public mutating func apply(to y: inout Matrix, training: Bool, using rng: inout SeededGenerator) {
    guard training && rate > 0 else { return }
    let scale = 1 / (1 - rate)
    // Keep an element when 24 random bits fall below keep * 2^24; each 64-bit draw serves two.
    let threshold = UInt64((Double(1 - rate) * 0x1p24).rounded())
    if mask.count != y.count { mask = [Float](repeating: 0, count: y.count) }
    mask.withUnsafeMutableBufferPointer { m in
      y.withUnsafeMutableBufferPointer { p in
        var i = 0
        while i < p.count {
          let bits = rng.next()
          m[i] = (bits >> 40) < threshold ? scale : 0
          if i + 1 < p.count { m[i + 1] = (bits >> 8) & 0xFF_FFFF < threshold ? scale : 0 }
          i += 2
        }
        for j in 0..<p.count { p[j] *= m[j] }
      }
    }
  }

  /// Gradient of the last training `forward`.
  public func backward(_ gradOutput: Matrix) -> Matrix {
    var g = gradOutput
    backpropagate(&g)
    return g
  }

  /// `backward` in place.
  public func backpropagate(_ g: inout Matrix) {
    guard rate > 0 else { return }
    mask.withUnsafeBufferPointer { m in
      g.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { p[i] *= m[i] }
      }
    }
  }
}
