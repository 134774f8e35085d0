import NCECore

/// One LSTM layer (PyTorch's equations, gate order i, f, g, o).
///
/// The input projection of all time steps is one GEMM; each step adds one recurrent GEMM
/// `[batch x H] x [H x 4H]`; the backward pass accumulates both weight gradients over all
/// steps in one GEMM each. Weights are stored input-major (`[in x 4H]`) so no GEMM transposes
/// the large operand in the forward pass.
public final class LSTMLayer: RecurrentLayer {
  public let inputSize: Int
  public let hiddenSize: Int
  public let inputWeight: Parameter      // [inputSize x 4H]
  public let recurrentWeight: Parameter  // [H x 4H]
  public let bias: Parameter             // [1 x 4H] (PyTorch's b_ih + b_hh folded into one)

  public final class Cache {
    public init() {}
    var steps = 0, batch = 0
    var activeLanes: [Int32]?
    var input = Matrix(rows: 0, cols: 0)
    var gates = Matrix(rows: 0, cols: 0)       // [T*B x 4H] after the non-linearities
    var cells = Matrix(rows: 0, cols: 0)       // [(T+1)*B x H], block 0 = initial cell
    var hiddens = Matrix(rows: 0, cols: 0)     // [(T+1)*B x H], block 0 = initial hidden
    var tanhCells = Matrix(rows: 0, cols: 0)   // [T*B x H]
    var gradGates = Matrix(rows: 0, cols: 0)
  }

  public init(name: String, inputSize: Int, hiddenSize: Int, using rng: inout SeededGenerator) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    let bound = 1 / Float(hiddenSize).squareRoot()
    inputWeight = Parameter(name: "\(name).weight_ih", value: ParameterInitializer.uniform(rows: inputSize, cols: 4 * hiddenSize, bound: bound, using: &rng))
    recurrentWeight = Parameter(name: "\(name).weight_hh", value: ParameterInitializer.uniform(rows: hiddenSize, cols: 4 * hiddenSize, bound: bound, using: &rng))
    bias = Parameter(name: "\(name).bias", value: ParameterInitializer.uniform(rows: 1, cols: 4 * hiddenSize, bound: bound, using: &rng))
  }

  public var parameters: [Parameter] { [inputWeight, recurrentWeight, bias] }
  public func makeCache() -> Cache { Cache() }
  public func initialState(batch: Int) -> RecurrentState { RecurrentState(batch: batch, hiddenSize: hiddenSize, hasCell: true) }

  public func forward(_ input: Matrix, steps: Int, state: inout RecurrentState, cache: inout Cache, activeLanes: [Int32]?) -> Matrix {
    let batch = state.hidden.rows
    let h = hiddenSize, g4 = 4 * hiddenSize
    precondition(input.rows == steps * batch && input.cols == inputSize, "LSTM input shape")
    precondition(activeLanes == nil || activeLanes!.count == steps, "one active-lane count per step")
    cache.steps = steps
    cache.batch = batch
    cache.activeLanes = activeLanes
    cache.input = input
    cache.gates.resize(rows: steps * batch, cols: g4, zero: false)
    cache.cells.resize(rows: (steps + 1) * batch, cols: h, zero: false)
    cache.hiddens.resize(rows: (steps + 1) * batch, cols: h, zero: false)
    cache.tanhCells.resize(rows: steps * batch, cols: h, zero: false)
    BLAS.gemm(input, inputWeight.value, into: &cache.gates)
    let wh = recurrentWeight.value
    bias.value.withUnsafeBufferPointer { b in
      wh.withUnsafeBufferPointer { w in
        cache.gates.withUnsafeMutableBufferPointer { gates in
          cache.cells.withUnsafeMutableBufferPointer { cells in
            cache.hiddens.withUnsafeMutableBufferPointer { hiddens in
              cache.tanhCells.withUnsafeMutableBufferPointer { tanhCells in
                state.hidden.withUnsafeBufferPointer { hidden0 in hiddens.baseAddress!.update(from: hidden0.baseAddress!, count: batch * h) }
                state.cell.withUnsafeBufferPointer { cell0 in cells.baseAddress!.update(from: cell0.baseAddress!, count: batch * h) }
                VectorMath.addRowVector(b.baseAddress!, to: gates.baseAddress!, rows: steps * batch, cols: g4)
                for t in 0..<steps {
                  let active = activeLanes.map { Int($0[t]) } ?? batch
                  let gt = gates.baseAddress! + t * batch * g4
                  BLAS.gemm(
                    transA: false, transB: false, m: active, n: g4, k: h,
                    a: hiddens.baseAddress! + t * batch * h, lda: h, b: w.baseAddress!, ldb: g4,
                    beta: 1, c: gt, ldc: g4)
                  let cPrev = cells.baseAddress! + t * batch * h
                  let cNext = cells.baseAddress! + (t + 1) * batch * h
                  let hNext = hiddens.baseAddress! + (t + 1) * batch * h
                  let tc = tanhCells.baseAddress! + t * batch * h
                  if active < batch {
                    (cNext + active * h).update(repeating: 0, count: (batch - active) * h)
                    (hNext + active * h).update(repeating: 0, count: (batch - active) * h)
                  }
                  for r in 0..<active {
                    let row = gt + r * g4
                    VectorMath.sigmoid(row, count: 2 * h)
                    VectorMath.tanh(row + 2 * h, count: h)
                    VectorMath.sigmoid(row + 3 * h, count: h)
                    let cp = cPrev + r * h, cn = cNext + r * h, tcr = tc + r * h, hn = hNext + r * h
                    for j in 0..<h { cn[j] = row[h + j] * cp[j] + row[j] * row[2 * h + j] }
                    tcr.update(from: cn, count: h)
                    VectorMath.tanh(tcr, count: h)
                    for j in 0..<h { hn[j] = row[3 * h + j] * tcr[j] }
                  }
                }
              }
            }
          }
        }
      }
    }
    state.hidden = Matrix(rows: batch, cols: h, storage: Array(cache.hiddens.storage[(steps * batch * h)...]))
    state.cell = Matrix(rows: batch, cols: h, storage: Array(cache.cells.storage[(steps * batch * h)...]))
    return Matrix(rows: steps * batch, cols: h, storage: Array(cache.hiddens.storage[(batch * h)...]))
  }

  public func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix {
    let steps = cache.steps, batch = cache.batch
    let h = hiddenSize, g4 = 4 * hiddenSize
    precondition(gradOutput.rows == steps * batch && gradOutput.cols == h, "LSTM gradient shape")
    cache.gradGates.resize(rows: steps * batch, cols: g4, zero: false)
    var gradHidden = [Float](repeating: 0, count: batch * h)  // dL/dh_t flowing back from step t+1
    var gradCell = [Float](repeating: 0, count: batch * h)
    let wh = recurrentWeight.value
    gradOutput.withUnsafeBufferPointer { dOut in
      wh.withUnsafeBufferPointer { w in
        cache.gates.withUnsafeBufferPointer { gates in
          cache.cells.withUnsafeBufferPointer { cells in
            cache.tanhCells.withUnsafeBufferPointer { tanhCells in
              cache.gradGates.withUnsafeMutableBufferPointer { dGates in
                gradHidden.withUnsafeMutableBufferPointer { dh in
                  gradCell.withUnsafeMutableBufferPointer { dc in
                    for t in stride(from: steps - 1, through: 0, by: -1) {
                      let active = cache.activeLanes.map { Int($0[t]) } ?? batch
                      let gt = gates.baseAddress! + t * batch * g4
                      let dgt = dGates.baseAddress! + t * batch * g4
                      if active < batch { (dgt + active * g4).update(repeating: 0, count: (batch - active) * g4) }
                      let cPrev = cells.baseAddress! + t * batch * h
                      let tc = tanhCells.baseAddress! + t * batch * h
                      let dOutT = dOut.baseAddress! + t * batch * h
                      for r in 0..<active {
                        let g = gt + r * g4, dg = dgt + r * g4
                        for j in 0..<h {
                          let k = r * h + j
                          let dhk = dOutT[k] + dh[k]
                          let i = g[j], f = g[h + j], gg = g[2 * h + j], o = g[3 * h + j]
                          let tck = tc[k]
                          let dck = dc[k] + dhk * o * (1 - tck * tck)
                          dg[j] = dck * gg * i * (1 - i)
                          dg[h + j] = dck * cPrev[k] * f * (1 - f)
                          dg[2 * h + j] = dck * i * (1 - gg * gg)
                          dg[3 * h + j] = dhk * tck * o * (1 - o)
                          dc[k] = dck * f
                        }
                      }
                      if t > 0 {
                        BLAS.gemm(
                          transA: false, transB: true, m: active, n: h, k: g4,
                          a: dgt, lda: g4, b: w.baseAddress!, ldb: g4, beta: 0, c: dh.baseAddress!, ldc: h)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    // Weight gradients over all steps at once: dWh += H_{0..T-1}^T dG, dWx += X^T dG.
    cache.hiddens.withUnsafeBufferPointer { hiddens in
      cache.gradGates.withUnsafeBufferPointer { dG in
        recurrentWeight.gradient.withUnsafeMutableBufferPointer { dW in
          BLAS.gemm(
            transA: true, transB: false, m: h, n: g4, k: steps * batch,
            a: hiddens.baseAddress!, lda: h, b: dG.baseAddress!, ldb: g4, beta: 1, c: dW.baseAddress!, ldc: g4)
        }
        bias.gradient.withUnsafeMutableBufferPointer { db in
          VectorMath.accumulateColumnSums(dG.baseAddress!, rows: steps * batch, cols: g4, into: db.baseAddress!)
        }
      }
    }
    BLAS.gemm(cache.input, transA: true, cache.gradGates, into: &inputWeight.gradient, beta: 1)
    var gradInput = Matrix(rows: steps * batch, cols: inputSize)
    BLAS.gemm(cache.gradGates, inputWeight.value, transB: true, into: &gradInput)
    return gradInput
  }
}
