import NCECore

/// The output word embedding and bias: the score of word `w` after hidden vector `h` is
/// `s(w, h) = h · W[w] + b[w]`. Both parameters are row-sparse so that sampled criteria
/// update only the rows they touch. `W` may be the input embedding's table (tied weights).
public final class OutputLayer {
  public let weight: Parameter  // [V x E]
  public let bias: Parameter  // [V x 1]

  public init(weight: Parameter, bias: Parameter) {
    precondition(weight.isRowSparse && bias.isRowSparse && bias.value.cols == 1 && bias.value.rows == weight.value.rows)
    self.weight = weight
    self.bias = bias
  }

  public convenience init(name: String, vocabularySize: Int, size: Int, using rng: inout SeededGenerator) {
    let w = Parameter(
      name: "\(name).weight",
      value: ParameterInitializer.uniform(
        rows: vocabularySize, cols: size, bound: 1 / Float(size).squareRoot(), using: &rng),
      isRowSparse: true)
    let b = Parameter(name: "\(name).bias", value: Matrix(rows: vocabularySize, cols: 1), isRowSparse: true)
    self.init(weight: w, bias: b)
  }

  public var vocabularySize: Int { weight.value.rows }
  public var size: Int { weight.value.cols }

  /// Full logits `[N x V]` = `hidden W^T + b`, one GEMM.
  public func logits(_ hidden: Matrix, into logits: inout Matrix) {
    BLAS.gemm(hidden, weight.value, transB: true, into: &logits)
    bias.value.withUnsafeBufferPointer { b in
      logits.withUnsafeMutableBufferPointer {
        VectorMath.addRowVector(b.baseAddress!, to: $0.baseAddress!, rows: hidden.rows, cols: b.count)
      }
    }
  }

  /// `s(targets[i], hidden[i])` for each row: N dot products, no softmax.
  public func targetScores(_ hidden: Matrix, targets: UnsafeBufferPointer<Int32>) -> [Float] {
    let e = size
    var scores = [Float](repeating: 0, count: targets.count)
    hidden.withUnsafeBufferPointer { h in
      weight.value.withUnsafeBufferPointer { w in
        bias.value.withUnsafeBufferPointer { b in
          for i in 0..<targets.count {
            let t = Int(targets[i])
            scores[i] = BLAS.dot(count: e, h.baseAddress! + i * e, w.baseAddress! + t * e) + b[t]
          }
        }
      }
    }
    return scores
  }

  /// Exact `ln p(target | h)` by full softmax, and `ln Σ_w exp s(w,h)` per row.
  /// Rows are processed in blocks so memory stays at `block x V`.
  public func normalizedLogProbabilities(
    _ hidden: Matrix, targets: UnsafeBufferPointer<Int32>
  ) -> (logProbabilities: [Float], logNormalizers: [Float]) {
    let n = hidden.rows
    let v = vocabularySize
    var logProbs = [Float](repeating: 0, count: n)
    var norms = [Float](repeating: 0, count: n)
    let block = 256
    var logitBlock = Matrix(rows: 0, cols: 0)
    var start = 0
    while start < n {
      let end = min(n, start + block)
      logits(hidden.rows(start..<end), into: &logitBlock)
      logitBlock.withUnsafeBufferPointer { l in
        for r in 0..<(end - start) {
          let row = l.baseAddress! + r * v
          let lse = VectorMath.logSumExp(row, count: v)
          norms[start + r] = lse
          logProbs[start + r] = row[Int(targets[start + r])] - lse
        }
      }
      start = end
    }
    return (logProbs, norms)
  }
}
