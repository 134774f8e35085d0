import NCECore

/// The output word embedding and bias: the score of word `w` after hidden vector `h` is
/// `s(w, h) = h · W[w] + b[w]`. Both parameters are row-sparse so that sampled criteria
/// update only the rows they touch. `W` may be the input embedding's table (tied weights).
/// With `direct` features the score also gets `Σ_o D[base_o(h) + w]`: every scoring call then
/// takes the `DirectRows` of its hidden rows (built from their histories).
public final class OutputLayer {
  public let weight: Parameter  // [V x E]
  public let bias: Parameter  // [V x 1]
  public let direct: DirectFeatures?

  public init(weight: Parameter, bias: Parameter, direct: DirectFeatures? = nil) {
    precondition(weight.isRowSparse && bias.isRowSparse && bias.value.cols == 1 && bias.value.rows == weight.value.rows)
    precondition(direct == nil || direct!.vocabularySize == weight.value.rows)
    self.weight = weight
    self.bias = bias
    self.direct = direct
  }

  /// `rows` checked against the layer: present exactly when the layer has direct features.
  @inline(__always)
  func checkDirect(_ rows: DirectRows?, count: Int) {
    precondition(
      (direct == nil) == (rows == nil) && (rows == nil || rows!.rows == count),
      "direct rows must be given exactly for a layer with direct features, one per hidden row")
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

  /// Full logits `[N x V]` = `hidden W^T + b` (one GEMM), plus the direct scores of
  /// `direct` rows `firstDirectRow ..< firstDirectRow + N` (`N` vector adds per order).
  public func logits(
    _ hidden: Matrix, into logits: inout Matrix, direct rows: DirectRows? = nil, firstDirectRow: Int = 0
  ) {
    precondition((direct == nil) == (rows == nil), "direct rows must be given exactly for a layer with direct features")
    BLAS.gemm(hidden, weight.value, transB: true, into: &logits)
    let v = vocabularySize
    bias.value.withUnsafeBufferPointer { b in
      logits.withUnsafeMutableBufferPointer {
        VectorMath.addRowVector(b.baseAddress!, to: $0.baseAddress!, rows: hidden.rows, cols: b.count)
        if let direct, let rows {
          for r in 0..<hidden.rows {
            direct.addAllScores(row: firstDirectRow + r, to: $0.baseAddress! + r * v, rows: rows)
          }
        }
      }
    }
  }

  /// `s(targets[i], hidden[i])` for each row: N dot products (and one lookup per direct order),
  /// no softmax. `direct`: the rows' direct features, given exactly when the layer has them.
  public func targetScores(_ hidden: Matrix, targets: UnsafeBufferPointer<Int32>, direct rows: DirectRows? = nil)
    -> [Float]
  {
    checkDirect(rows, count: targets.count)
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
    if let direct, let rows {
      scores.withUnsafeMutableBufferPointer { direct.addScores(to: $0.baseAddress!, words: targets, rows: rows) }
    }
    return scores
  }

  /// Exact `ln p(target | h)` by full softmax, and `ln Σ_w exp s(w,h)` per row.
  /// Rows are processed in blocks so memory stays at `block x V`.
  public func normalizedLogProbabilities(
    _ hidden: Matrix, targets: UnsafeBufferPointer<Int32>, direct rows: DirectRows? = nil
  ) -> (logProbabilities: [Float], logNormalizers: [Float]) {
    checkDirect(rows, count: targets.count)
    let n = hidden.rows
    let v = vocabularySize
    var logProbs = [Float](repeating: 0, count: n)
    var norms = [Float](repeating: 0, count: n)
    let block = 256
    var logitBlock = Matrix(rows: 0, cols: 0)
    var start = 0
    while start < n {
      let end = min(n, start + block)
      logits(hidden.rows(start..<end), into: &logitBlock, direct: rows, firstDirectRow: start)
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
