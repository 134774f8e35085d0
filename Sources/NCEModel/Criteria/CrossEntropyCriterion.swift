import NCECore

/// Full-softmax cross-entropy: `loss = -ln softmax(h W^T + b)[target]`.
/// Cost per row is `O(V E)`: three GEMMs (logits, input gradient, weight gradient); direct
/// features add `2 N` vector adds of length `V` per row (`N` their order).
public struct CrossEntropyCriterion: TrainingCriterion {
  private var logits = Matrix(rows: 0, cols: 0)

  public init() {}

  public mutating func lossAndGradient(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, output: OutputLayer, direct: DirectRows?, scale: Float,
    using rng: inout SeededGenerator
  ) -> (loss: Double, gradHidden: Matrix) {
    output.checkDirect(direct, count: targets.count)
    let n = hidden.rows
    let v = output.vocabularySize
    BLAS.gemm(hidden, output.weight.value, transB: true, into: &logits)
    var loss = 0.0
    output.weight.touchAllRows()
    output.bias.touchAllRows()
    // Row by row while the row is in cache: add the bias, turn the logits into
    // scale * (softmax - onehot) in place, and add the row to the bias gradient (whole-matrix
    // passes over the [N x V] block would each stream it through memory again).
    logits.withUnsafeMutableBufferPointer { l in
      output.bias.value.withUnsafeBufferPointer { b in
        output.bias.gradient.withUnsafeMutableBufferPointer { db in
          for r in 0..<n {
            let row = l.baseAddress! + r * v
            VectorMath.addRowVector(b.baseAddress!, to: row, rows: 1, cols: v)
            if let features = output.direct, let direct { features.addAllScores(row: r, to: row, rows: direct) }
            let lse = VectorMath.logSumExp(row, count: v)
            let target = Int(targets[r])
            loss -= Double(row[target] - lse)
            VectorMath.scaledExp(row, count: v, shift: lse, scale: scale)
            row[target] -= scale
            VectorMath.accumulateColumnSums(row, rows: 1, cols: v, into: db.baseAddress!)
            if let features = output.direct, let direct {
              features.accumulateAll(row: r, coefficients: row, rows: direct)
            }
          }
        }
      }
    }
    var gradHidden = Matrix(rows: n, cols: output.size)
    BLAS.gemm(logits, output.weight.value, into: &gradHidden)
    BLAS.gemm(logits, transA: true, hidden, into: &output.weight.gradient, beta: 1)
    return (loss, gradHidden)
  }
}
