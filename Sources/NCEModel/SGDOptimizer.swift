import NCECore

/// Stochastic gradient descent as PyTorch's `optim.SGD`: `g += weightDecay * w`;
/// with momentum `buf = momentum * buf + g`, `w -= lr * buf`; otherwise `w -= lr * g`.
/// Row-sparse parameters update only their touched rows (weight decay and momentum included),
/// so a step costs O(touched rows), not O(V).
public final class SGDOptimizer {
  public var weightDecay: Float
  public var momentum: Float
  /// Momentum buffers by parameter name (absent until first used).
  public private(set) var buffers: [String: Matrix] = [:]

  public init(weightDecay: Float, momentum: Float) {
    self.weightDecay = weightDecay
    self.momentum = momentum
  }

  public func restore(buffers: [String: Matrix]) { self.buffers = buffers }

  /// Rescales all gradients so that their joint L2 norm is at most `maxNorm` (no-op for
  /// `maxNorm <= 0`). Returns the norm before clipping.
  @discardableResult
  public static func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Double {
    let norm = parameters.reduce(0.0) { $0 + $1.gradientSquaredNorm }.squareRoot()
    if maxNorm > 0 && norm > Double(maxNorm) {
      let factor = Float(Double(maxNorm) / (norm + 1e-6))
      for p in parameters { p.scaleGradient(by: factor) }
    }
    return norm
  }

  public func step(_ parameters: [Parameter], learningRate lr: Float) {
    for parameter in parameters {
      let cols = parameter.value.cols
      if momentum != 0 && buffers[parameter.name] == nil {
        buffers[parameter.name] = Matrix(rows: parameter.value.rows, cols: cols)
      }
      var buffer = momentum != 0 ? buffers.removeValue(forKey: parameter.name)! : Matrix(rows: 0, cols: 0)
      let wd = weightDecay, mu = momentum
      parameter.value.withUnsafeMutableBufferPointer { w in
        parameter.gradient.withUnsafeBufferPointer { g in
          buffer.withUnsafeMutableBufferPointer { m in
            func update(_ start: Int, _ count: Int) {
              for i in start..<(start + count) {
                let grad = g[i] + wd * w[i]
                if mu != 0 {
                  m[i] = mu * m[i] + grad
                  w[i] -= lr * m[i]
                } else {
                  w[i] -= lr * grad
                }
              }
            }
            if parameter.isRowSparse {
              for row in parameter.touchedRows.members { update(Int(row) * cols, cols) }
            } else {
              update(0, w.count)
            }
          }
        }
      }
      if momentum != 0 { buffers[parameter.name] = buffer }
    }
  }
}
