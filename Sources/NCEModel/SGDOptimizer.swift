import Foundation
import NCECore

/// Stochastic gradient descent as PyTorch's `optim.SGD`: `g += weightDecay * w`;
/// with momentum `buf = momentum * buf + g`, `w -= lr * buf`; otherwise `w -= lr * g`.
/// Row-sparse parameters update only their touched rows, so a step costs O(touched rows), not
/// O(V). With momentum, a dense SGD keeps moving every row by its decaying buffer at every step;
/// a row that was not touched for `n` steps catches up on those `n` moves
/// (`w -= lr·m·μ(1-μⁿ)/(1-μ)`, `m *= μⁿ`) when it is next touched, and `flush` brings every
/// row up to date (the trainer calls it at the end of each epoch). Without this, rarely used
/// embedding and output rows would move about `1/(1-μ)` = 10 times less than in PyTorch.
/// Weight decay is applied to touched rows only.
public final class SGDOptimizer {
  public var weightDecay: Float
  public var momentum: Float
  private var momentumBuffers: [String: Matrix] = [:]
  /// For row-sparse parameters: the step at which each row was last brought up to date.
  private var lastStep: [String: [Int]] = [:]
  private var stepCount = 0
  private static let lagSuffix = "#lag"

  public init(weightDecay: Float, momentum: Float) {
    self.weightDecay = weightDecay
    self.momentum = momentum
  }

  /// Momentum buffers by parameter name, plus `<name>#lag` `[rows x 1]` tensors holding how many
  /// steps each row of a row-sparse parameter is behind (exact below 2^24 steps): everything
  /// needed to continue bit for bit after a restore.
  public var buffers: [String: Matrix] {
    var all = momentumBuffers
    for (name, last) in lastStep {
      all[name + Self.lagSuffix] = Matrix(rows: last.count, cols: 1, storage: last.map { Float(stepCount - $0) })
    }
    return all
  }

  public func restore(buffers: [String: Matrix]) {
    momentumBuffers = buffers.filter { !$0.key.hasSuffix(Self.lagSuffix) }
    stepCount = 0
    lastStep = [:]
    for (key, lags) in buffers where key.hasSuffix(Self.lagSuffix) {
      lastStep[String(key.dropLast(Self.lagSuffix.count))] = lags.storage.map { -Int($0) }
    }
  }

  /// Applies the moves every row of the row-sparse parameters still owes (see the type's doc).
  public func flush(_ parameters: [Parameter], learningRate lr: Float) {
    guard momentum != 0 else { return }
    for parameter in parameters where parameter.isRowSparse {
      guard var last = lastStep[parameter.name], var buffer = momentumBuffers.removeValue(forKey: parameter.name) else { continue }
      let cols = parameter.value.cols
      parameter.value.withUnsafeMutableBufferPointer { w in
        buffer.withUnsafeMutableBufferPointer { m in
          for row in 0..<last.count where last[row] < stepCount {
            catchUp(w.baseAddress! + row * cols, m.baseAddress! + row * cols, cols, steps: stepCount - last[row], lr: lr)
            last[row] = stepCount
          }
        }
      }
      lastStep[parameter.name] = last
      momentumBuffers[parameter.name] = buffer
    }
  }

  /// `steps` momentum-only moves of one row, in closed form.
  @inline(__always)
  private func catchUp(_ w: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ count: Int, steps: Int, lr: Float) {
    let decay = Float(Foundation.pow(Double(momentum), Double(steps)))
    let move = lr * momentum * (1 - decay) / (1 - momentum)
    for i in 0..<count {
      w[i] -= move * m[i]
      m[i] *= decay
    }
  }

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
    stepCount += 1
    for parameter in parameters {
      let cols = parameter.value.cols
      if momentum != 0 && momentumBuffers[parameter.name] == nil {
        momentumBuffers[parameter.name] = Matrix(rows: parameter.value.rows, cols: cols)
      }
      if momentum != 0 && parameter.isRowSparse && lastStep[parameter.name] == nil {
        lastStep[parameter.name] = [Int](repeating: stepCount - 1, count: parameter.value.rows)
      }
      var last = momentum != 0 && parameter.isRowSparse ? lastStep.removeValue(forKey: parameter.name)! : []
      var buffer = momentum != 0 ? momentumBuffers.removeValue(forKey: parameter.name)! : Matrix(rows: 0, cols: 0)
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
              for row in parameter.touchedRows.members {
                let r = Int(row)
                if mu != 0 {
                  let behind = stepCount - 1 - last[r]
                  if behind > 0 { catchUp(w.baseAddress! + r * cols, m.baseAddress! + r * cols, cols, steps: behind, lr: lr) }
                  last[r] = stepCount
                }
                update(r * cols, cols)
              }
            } else {
              update(0, w.count)
            }
          }
        }
      }
      if momentum != 0 { momentumBuffers[parameter.name] = buffer }
      if momentum != 0 && parameter.isRowSparse { lastStep[parameter.name] = last }
    }
  }
}
