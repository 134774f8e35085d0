import NCECore
import Testing

@testable import NCEModel

@Suite("SGD optimizer")
struct SGDOptimizerTests {
  /// Dense momentum SGD on a plain array: the reference the row-sparse path must reproduce.
  static func denseSGD(_ w: inout [Double], _ m: inout [Double], gradient: [Double], lr: Double, mu: Double) {
    for i in w.indices {
      m[i] = mu * m[i] + gradient[i]
      w[i] -= lr * m[i]
    }
  }

  @Test func rowSparseMomentumCatchesUpWithDenseSGD() {
    let rows = 4, cols = 3, lr: Float = 0.5, mu: Float = 0.9
    let start = (0..<(rows * cols)).map { Float($0) / 10 }
    let parameter = Parameter(name: "p", value: Matrix(rows: rows, cols: cols, storage: start), isRowSparse: true)
    let optimizer = SGDOptimizer(weightDecay: 0, momentum: mu)
    var w = start.map(Double.init), m = [Double](repeating: 0, count: rows * cols)
    // Row r receives gradient at the steps listed; other steps give it none.
    let touches: [Int: [Int]] = [0: [1, 2, 9], 1: [1], 2: [4, 5], 3: []]
    for step in 1...12 {
      var gradient = [Double](repeating: 0, count: rows * cols)
      for (row, steps) in touches where steps.contains(step) {
        parameter.touch(row: row)
        for j in 0..<cols {
          let g = Double(row + 1) * 0.1 + Double(j) * 0.01 + Double(step) * 0.001
          gradient[row * cols + j] = g
          parameter.gradient[row, j] = Float(g)
        }
      }
      optimizer.step([parameter], learningRate: lr)
      parameter.zeroGradient()
      Self.denseSGD(&w, &m, gradient: gradient, lr: Double(lr), mu: Double(mu))
    }
    optimizer.flush([parameter], learningRate: lr)
    for i in w.indices {
      #expect(abs(Double(parameter.value.storage[i]) - w[i]) < 1e-5, "element \(i)")
    }
    // A flushed optimizer saved and restored continues identically.
    let restored = SGDOptimizer(weightDecay: 0, momentum: mu)
    restored.restore(buffers: optimizer.buffers)
    #expect(restored.buffers == optimizer.buffers)
  }

  @Test func denseParametersFollowPyTorchSGD() {
    let parameter = Parameter(name: "d", value: Matrix(rows: 1, cols: 2, storage: [1, -1]))
    let optimizer = SGDOptimizer(weightDecay: 0.1, momentum: 0.5)
    parameter.gradient.storage = [0.2, 0.4]
    optimizer.step([parameter], learningRate: 1)
    // g = grad + 0.1 w = [0.3, 0.3]; m = g; w -= m.
    #expect(parameter.value.storage == [0.7, -1.3])
    parameter.gradient.storage = [0, 0]
    optimizer.step([parameter], learningRate: 1)
    // g = 0.1 w = [0.07, -0.13]; m = 0.5 m + g = [0.22, 0.02]; w -= m.
    #expect(abs(parameter.value.storage[0] - 0.48) < 1e-6 && abs(parameter.value.storage[1] - -1.32) < 1e-6)
  }
}
