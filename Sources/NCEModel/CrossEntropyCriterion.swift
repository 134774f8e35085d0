import NCECore

/// Full-softmax cross-entropy: `loss = -ln softmax(h W^T + b)[target]`.
/// Cost per row is `O(V E)`: three GEMMs (logits, input gradient, weight gradient).
public struct CrossEntropyCriterion: TrainingCriterion {
  private var logits = Matrix(rows: 0, cols: 0)

  public init() {}

  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    let n = hidden.rows, v = output.vocabularySize
    output.logits(hidden, into: &logits)
    var loss = 0.0
    // Turn logits into scale * (softmax - onehot) in place.
    logits.withUnsafeMutableBufferPointer { l in
      for r in 0..<n {
        let row = l.baseAddress! + r * v
        let lse = VectorMath.logSumExp(row, count: v)
        let target = Int(targets[r])
        loss -= Double(row[target] - lse)
        VectorMath.scaledExp(row, count: v, shift: lse, scale: scale)
        row[target] -= scale
      }
    }
    var gradHidden = Matrix(rows: n, cols: output.size)
    BLAS.gemm(logits, output.weight.value, into: &gradHidden)
    BLAS.gemm(logits, transA: true, hidden, into: &output.weight.gradient, beta: 1)
    logits.withUnsafeBufferPointer { l in
      output.bias.gradient.withUnsafeMutableBufferPointer { db in
        VectorMath.accumulateColumnSums(l.baseAddress!, rows: n, cols: v, into: db.baseAddress!)
      }
    }
    for row in 0..<v {
      output.weight.touch(row: row)
      output.bias.touch(row: row)
    }
    return (loss, gradHidden)
  }
}
