import NCECore

/// One GRU layer (PyTorch's equations, gate order r, z, n):
/// `r = σ(x Wr + h Ur + b)`, `z = σ(x Wz + h Uz + b)`, `n = tanh(x Wn + bn + r ∘ (h Un + bhn))`,
/// `h' = (1 - z) ∘ n + z ∘ h`. Same GEMM structure as `LSTMLayer`.
public final class GRULayer: RecurrentLayer {
  public let inputSize: Int
  public let hiddenSize: Int
  public let inputWeight: Parameter      // [inputSize x 3H]
  public let recurrentWeight: Parameter  // [H x 3H]
  public let inputBias: Parameter        // [1 x 3H]
  public let recurrentBias: Parameter    // [1 x 3H]; its n part sits inside r ∘ (...)

  public final class Cache {
    public init() {}
    var steps = 0, batch = 0
    var activeLanes: [Int32]?
    var input = Matrix(rows: 0, cols: 0)
    var gates = Matrix(rows: 0, cols: 0)          // [T*B x 3H]: r, z, n after non-linearities
    var recurrentN = Matrix(rows: 0, cols: 0)     // [T*B x H]: h Un + bhn
    var hiddens = Matrix(rows: 0, cols: 0)        // [(T+1)*B x H]
    var gradInputGates = Matrix(rows: 0, cols: 0) // [T*B x 3H]
    var gradRecurrentGates = Matrix(rows: 0, cols: 0)
    var recurrentScratch = Matrix(rows: 0, cols: 0)  // [B x 3H]
  }

  public init(name: String, inputSize: Int, hiddenSize: Int, using rng: inout SeededGenerator) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    let bound = 1 / Float(hiddenSize).squareRoot()
    inputWeight = Parameter(name: "\(name).weight_ih", value: ParameterInitializer.uniform(rows: inputSize, cols: 3 * hiddenSize, bound: bound, using: &rng))
    recurrentWeight = Parameter(name: "\(name).weight_hh", value: ParameterInitializer.uniform(rows: hiddenSize, cols: 3 * hiddenSize, bound: bound, using: &rng))
    inputBias = Parameter(name: "\(name).bias_ih", value: ParameterInitializer.uniform(rows: 1, cols: 3 * hiddenSize, bound: bound, using: &rng))
    recurrentBias = Parameter(name: "\(name).bias_hh", value: ParameterInitializer.uniform(rows: 1, cols: 3 * hiddenSize, bound: bound, using: &rng))
  }

  public var parameters: [Parameter] { [inputWeight, recurrentWeight, inputBias, recurrentBias] }
  public func makeCache() -> Cache { Cache() }
  public func initialState(batch: Int) -> RecurrentState { RecurrentState(batch: batch, hiddenSize: hiddenSize, hasCell: false) }

  public func forward(_ input: Matrix, steps: Int, state: inout RecurrentState, cache: inout Cache, activeLanes: [Int32]?) -> Matrix {
    let batch = state.hidden.rows
    let h = hiddenSize, g3 = 3 * hiddenSize
    precondition(input.rows == steps * batch && input.cols == inputSize, "GRU input shape")
    precondition(activeLanes == nil || activeLanes!.count == steps, "one active-lane count per step")
    cache.steps = steps
    cache.batch = batch
    cache.activeLanes = activeLanes
    cache.input = input
    cache.gates.resize(rows: steps * batch, cols: g3, zero: false)
    cache.recurrentN.resize(rows: steps * batch, cols: h, zero: false)
    cache.hiddens.resize(rows: (steps + 1) * batch, cols: h, zero: false)
    cache.recurrentScratch.resize(rows: batch, cols: g3, zero: false)
    BLAS.gemm(input, inputWeight.value, into: &cache.gates)
    let wh = recurrentWeight.value
    inputBias.value.withUnsafeBufferPointer { bx in
      recurrentBias.value.withUnsafeBufferPointer { bh in
        wh.withUnsafeBufferPointer { w in
          cache.gates.withUnsafeMutableBufferPointer { gates in
            cache.recurrentN.withUnsafeMutableBufferPointer { recN in
              cache.hiddens.withUnsafeMutableBufferPointer { hiddens in
                cache.recurrentScratch.withUnsafeMutableBufferPointer { scratch in
                  state.hidden.withUnsafeBufferPointer { h0 in hiddens.baseAddress!.update(from: h0.baseAddress!, count: batch * h) }
                  VectorMath.addRowVector(bx.baseAddress!, to: gates.baseAddress!, rows: steps * batch, cols: g3)
                  for t in 0..<steps {
                    let active = activeLanes.map { Int($0[t]) } ?? batch
                    let gt = gates.baseAddress! + t * batch * g3
                    let hPrev = hiddens.baseAddress! + t * batch * h
                    let hNext = hiddens.baseAddress! + (t + 1) * batch * h
                    let sc = scratch.baseAddress!
                    BLAS.gemm(
                      transA: false, transB: false, m: active, n: g3, k: h,
                      a: hPrev, lda: h, b: w.baseAddress!, ldb: g3, beta: 0, c: sc, ldc: g3)
                    VectorMath.addRowVector(bh.baseAddress!, to: sc, rows: active, cols: g3)
                    if active < batch { (hNext + active * h).update(repeating: 0, count: (batch - active) * h) }
                    for r in 0..<active {
                      let row = gt + r * g3, hs = sc + r * g3
                      let rn = recN.baseAddress! + (t * batch + r) * h
                      for j in 0..<(2 * h) { row[j] += hs[j] }
                      VectorMath.sigmoid(row, count: 2 * h)
                      rn.update(from: hs + 2 * h, count: h)
                      for j in 0..<h { row[2 * h + j] += row[j] * rn[j] }
                      VectorMath.tanh(row + 2 * h, count: h)
                      let hp = hPrev + r * h, hn = hNext + r * h
                      for j in 0..<h {
                        let z = row[h + j]
                        hn[j] = (1 - z) * row[2 * h + j] + z * hp[j]
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
    state.hidden = Matrix(rows: batch, cols: h, storage: Array(cache.hiddens.storage[(steps * batch * h)...]))
    return Matrix(rows: steps * batch, cols: h, storage: Array(cache.hiddens.storage[(batch * h)...]))
  }

  public func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix {
    let steps = cache.steps, batch = cache.batch
    let h = hiddenSize, g3 = 3 * hiddenSize
    precondition(gradOutput.rows == steps * batch && gradOutput.cols == h, "GRU gradient shape")
    cache.gradInputGates.resize(rows: steps * batch, cols: g3, zero: false)
    cache.gradRecurrentGates.resize(rows: steps * batch, cols: g3, zero: false)
    var gradHidden = [Float](repeating: 0, count: batch * h)
    let wh = recurrentWeight.value
    gradOutput.withUnsafeBufferPointer { dOut in
      wh.withUnsafeBufferPointer { w in
        cache.gates.withUnsafeBufferPointer { gates in
          cache.recurrentN.withUnsafeBufferPointer { recN in
            cache.hiddens.withUnsafeBufferPointer { hiddens in
              cache.gradInputGates.withUnsafeMutableBufferPointer { dX in
                cache.gradRecurrentGates.withUnsafeMutableBufferPointer { dH in
                  gradHidden.withUnsafeMutableBufferPointer { dh in
                    for t in stride(from: steps - 1, through: 0, by: -1) {
                      let active = cache.activeLanes.map { Int($0[t]) } ?? batch
                      let hPrev = hiddens.baseAddress! + t * batch * h
                      let dOutT = dOut.baseAddress! + t * batch * h
                      if active < batch {
                        (dX.baseAddress! + (t * batch + active) * g3).update(repeating: 0, count: (batch - active) * g3)
                        (dH.baseAddress! + (t * batch + active) * g3).update(repeating: 0, count: (batch - active) * g3)
                      }
                      for r in 0..<active {
                        let row = gates.baseAddress! + (t * batch + r) * g3
                        let rn = recN.baseAddress! + (t * batch + r) * h
                        let dx = dX.baseAddress! + (t * batch + r) * g3
                        let dhr = dH.baseAddress! + (t * batch + r) * g3
                        let hp = hPrev + r * h
                        for j in 0..<h {
                          let k = r * h + j
                          let d = dOutT[k] + dh[k]
                          let rg = row[j], z = row[h + j], n = row[2 * h + j]
                          let dan = d * (1 - z) * (1 - n * n)
                          let daz = d * (hp[j] - n) * z * (1 - z)
                          let dar = dan * rn[j] * rg * (1 - rg)
                          dx[j] = dar
                          dx[h + j] = daz
                          dx[2 * h + j] = dan
                          dhr[j] = dar
                          dhr[h + j] = daz
                          dhr[2 * h + j] = dan * rg
                          dh[k] = d * z
                        }
                      }
                      if t > 0 {
                        BLAS.gemm(
                          transA: false, transB: true, m: active, n: h, k: g3,
                          a: dH.baseAddress! + t * batch * g3, lda: g3, b: w.baseAddress!, ldb: g3,
                          beta: 1, c: dh.baseAddress!, ldc: h)
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
    cache.hiddens.withUnsafeBufferPointer { hiddens in
      cache.gradRecurrentGates.withUnsafeBufferPointer { dG in
        recurrentWeight.gradient.withUnsafeMutableBufferPointer { dW in
          BLAS.gemm(
            transA: true, transB: false, m: h, n: g3, k: steps * batch,
            a: hiddens.baseAddress!, lda: h, b: dG.baseAddress!, ldb: g3, beta: 1, c: dW.baseAddress!, ldc: g3)
        }
        recurrentBias.gradient.withUnsafeMutableBufferPointer { db in
          VectorMath.accumulateColumnSums(dG.baseAddress!, rows: steps * batch, cols: g3, into: db.baseAddress!)
        }
      }
    }
    cache.gradInputGates.withUnsafeBufferPointer { dG in
      inputBias.gradient.withUnsafeMutableBufferPointer { db in
        VectorMath.accumulateColumnSums(dG.baseAddress!, rows: steps * batch, cols: g3, into: db.baseAddress!)
      }
    }
    BLAS.gemm(cache.input, transA: true, cache.gradInputGates, into: &inputWeight.gradient, beta: 1)
    var gradInput = Matrix(rows: steps * batch, cols: inputSize)
    BLAS.gemm(cache.gradInputGates, inputWeight.value, transB: true, into: &gradInput)
    return gradInput
  }
}
