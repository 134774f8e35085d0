import NCECore

/// One GRU layer (PyTorch's equations, gate order r, z, n):
/// `r = σ(x Wr + h Ur + b)`, `z = σ(x Wz + h Uz + b)`, `n = tanh(x Wn + bn + r ∘ (h Un + bhn))`,
/// `h' = (1 - z) ∘ n + z ∘ h`. Same GEMM structure as `LSTMLayer`.
public final class GRULayer: RecurrentLayer {
  public let inputSize: Int
  public let hiddenSize: Int
  public let inputWeight: Parameter  // [inputSize x 3H]
  public let recurrentWeight: Parameter  // [H x 3H]
  public let inputBias: Parameter  // [1 x 3H]
  public let recurrentBias: Parameter  // [1 x 3H]; its n part sits inside r ∘ (...)

  public final class Cache {
    public init() {}
    var layout = StepLayout(steps: 0, batch: 0)
    var input = Matrix(rows: 0, cols: 0)
    var gates = Matrix(rows: 0, cols: 0)  // [rows x 3H]: r, z, n after non-linearities
    var recurrentN = Matrix(rows: 0, cols: 0)  // [rows x H]: h Un + bhn
    var hiddens = Matrix(rows: 0, cols: 0)  // [batch + rows x H]: initial state, then one per output row
    var gradInputGates = Matrix(rows: 0, cols: 0)  // [rows x 3H]
    var gradRecurrentGates = Matrix(rows: 0, cols: 0)
    var recurrentScratch = Matrix(rows: 0, cols: 0)  // [batch x 3H]
    var recurrentWeightTransposed = Matrix(rows: 0, cols: 0)  // [3H x H], for dh = dG Wᵀ
    var previousHiddens = Matrix(rows: 0, cols: 0)  // [rows x H], packed layouts only
    var gradHidden = Matrix(rows: 0, cols: 0)  // [batch x H]
  }

  public init(name: String, inputSize: Int, hiddenSize: Int, using rng: inout SeededGenerator) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    let bound = 1 / Float(hiddenSize).squareRoot()
    inputWeight = Parameter(
      name: "\(name).weight_ih",
      value: ParameterInitializer.uniform(rows: inputSize, cols: 3 * hiddenSize, bound: bound, using: &rng))
    recurrentWeight = Parameter(
      name: "\(name).weight_hh",
      value: ParameterInitializer.uniform(rows: hiddenSize, cols: 3 * hiddenSize, bound: bound, using: &rng))
    inputBias = Parameter(
      name: "\(name).bias_ih",
      value: ParameterInitializer.uniform(rows: 1, cols: 3 * hiddenSize, bound: bound, using: &rng))
    recurrentBias = Parameter(
      name: "\(name).bias_hh",
      value: ParameterInitializer.uniform(rows: 1, cols: 3 * hiddenSize, bound: bound, using: &rng))
  }

  public var parameters: [Parameter] { [inputWeight, recurrentWeight, inputBias, recurrentBias] }
  public func makeCache() -> Cache { Cache() }
  public func initialState(batch: Int) -> RecurrentState {
    RecurrentState(batch: batch, hiddenSize: hiddenSize, hasCell: false)
  }

  public func forward(_ input: Matrix, layout: StepLayout, state: inout RecurrentState, cache: inout Cache) -> Matrix {
    precondition(input.rows == layout.rows && input.cols == inputSize, "GRU input shape")
    cache.input = input
    BLAS.gemm(input, inputWeight.value, into: &cache.gates)
    return recur(layout: layout, state: &state, cache: &cache)
  }

  /// Evaluation from a precomputed input projection: row `i` of the input projection is row
  /// `ids[i]` of `table` (`RNNLanguageModel.makeInputProjectionTable`). No `backward` follows.
  public func forward(
    inputRows ids: UnsafeBufferPointer<Int32>, of table: Matrix, layout: StepLayout, state: inout RecurrentState,
    cache: inout Cache
  ) -> Matrix {
    precondition(ids.count == layout.rows && table.cols == 3 * hiddenSize, "GRU input projection shape")
    cache.input = Matrix(rows: 0, cols: inputSize)
    table.gatherRows(ids, into: &cache.gates)
    return recur(layout: layout, state: &state, cache: &cache)
  }

  /// The recurrence from the input projection in `cache.gates`.
  private func recur(layout: StepLayout, state: inout RecurrentState, cache: inout Cache) -> Matrix {
    let batch = layout.batch
    let steps = layout.steps
    let rows = layout.rows
    let h = hiddenSize
    let g3 = 3 * hiddenSize
    precondition(state.hidden.rows == batch && cache.gates.rows == rows, "GRU state shape")
    cache.layout = layout
    cache.recurrentN.resize(rows: rows, cols: h, zero: false)
    cache.hiddens.resize(rows: batch + rows, cols: h, zero: false)
    cache.recurrentScratch.resize(rows: batch, cols: g3, zero: false)
    let wh = recurrentWeight.value
    inputBias.value.withUnsafeBufferPointer { bx in
      recurrentBias.value.withUnsafeBufferPointer { bh in
        wh.withUnsafeBufferPointer { w in
          cache.gates.withUnsafeMutableBufferPointer { gates in
            cache.recurrentN.withUnsafeMutableBufferPointer { recN in
              cache.hiddens.withUnsafeMutableBufferPointer { hiddens in
                cache.recurrentScratch.withUnsafeMutableBufferPointer { scratch in
                  state.hidden.withUnsafeBufferPointer { h0 in
                    hiddens.baseAddress!.update(from: h0.baseAddress!, count: batch * h)
                  }
                  VectorMath.addRowVector(bx.baseAddress!, to: gates.baseAddress!, rows: rows, cols: g3)
                  for t in 0..<steps {
                    let active = layout.lanes[t]
                    let row0 = layout.offsets[t]
                    let gt = gates.baseAddress! + row0 * g3
                    let hPrev = hiddens.baseAddress! + layout.previousStateRow(t) * h
                    let hNext = hiddens.baseAddress! + (batch + row0) * h
                    let sc = scratch.baseAddress!
                    BLAS.recurrentGEMM(
                      m: active, n: g3, k: h, a: hPrev, lda: h, b: w.baseAddress!, ldb: g3, c: sc, ldc: g3,
                      accumulate: false)
                    VectorMath.addRowVector(bh.baseAddress!, to: sc, rows: active, cols: g3)
                    for r in 0..<active {
                      let row = gt + r * g3
                      let hs = sc + r * g3
                      let rn = recN.baseAddress! + (row0 + r) * h
                      for j in 0..<(2 * h) { row[j] += hs[j] }
                      VectorMath.sigmoid(row, count: 2 * h)
                      rn.update(from: hs + 2 * h, count: h)
                      for j in 0..<h { row[2 * h + j] += row[j] * rn[j] }
                      VectorMath.tanh(row + 2 * h, count: h)
                      let hp = hPrev + r * h
                      let hn = hNext + r * h
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
    state.hidden = RecurrentState.finalRows(of: cache.hiddens, layout: layout)
    return Matrix(rows: rows, cols: h, storage: Array(cache.hiddens.storage[(batch * h)...]))
  }

  public func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix {
    let layout = cache.layout
    let batch = layout.batch
    let steps = layout.steps
    let rows = layout.rows
    let h = hiddenSize
    let g3 = 3 * hiddenSize
    precondition(
      gradOutput.rows == rows && gradOutput.cols == h && cache.input.rows == rows,
      "GRU gradient shape (or no training forward)")
    cache.gradInputGates.resize(rows: rows, cols: g3, zero: false)
    cache.gradRecurrentGates.resize(rows: rows, cols: g3, zero: false)
    // Lanes join going backwards (longest first), so rows not yet written must start at zero.
    cache.gradHidden.resize(rows: batch, cols: h)
    cache.gradHidden.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    recurrentWeight.value.withUnsafeBufferPointer { w in
      cache.recurrentWeightTransposed.resize(rows: g3, cols: h, zero: false)
      cache.recurrentWeightTransposed.withUnsafeMutableBufferPointer { wt in
        SmallGEMM.transpose(w.baseAddress!, rows: h, cols: g3, into: wt.baseAddress!)
      }
    }
    let wh = cache.recurrentWeightTransposed
    gradOutput.withUnsafeBufferPointer { dOut in
      wh.withUnsafeBufferPointer { w in
        cache.gates.withUnsafeBufferPointer { gates in
          cache.recurrentN.withUnsafeBufferPointer { recN in
            cache.hiddens.withUnsafeBufferPointer { hiddens in
              cache.gradInputGates.withUnsafeMutableBufferPointer { dX in
                cache.gradRecurrentGates.withUnsafeMutableBufferPointer { dH in
                  cache.gradHidden.withUnsafeMutableBufferPointer { dh in
                    for t in stride(from: steps - 1, through: 0, by: -1) {
                      let active = layout.lanes[t]
                      let row0 = layout.offsets[t]
                      let hPrev = hiddens.baseAddress! + layout.previousStateRow(t) * h
                      let dOutT = dOut.baseAddress! + row0 * h
                      for r in 0..<active {
                        let row = gates.baseAddress! + (row0 + r) * g3
                        let rn = recN.baseAddress! + (row0 + r) * h
                        let dx = dX.baseAddress! + (row0 + r) * g3
                        let dhr = dH.baseAddress! + (row0 + r) * g3
                        let hp = hPrev + r * h
                        for j in 0..<h {
                          let k = r * h + j
                          let d = dOutT[k] + dh[k]
                          let rg = row[j]
                          let z = row[h + j]
                          let n = row[2 * h + j]
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
                        BLAS.recurrentGEMM(
                          m: active, n: h, k: g3, a: dH.baseAddress! + row0 * g3, lda: g3, b: w.baseAddress!, ldb: h,
                          c: dh.baseAddress!, ldc: h, accumulate: true)
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
    PreviousStates.withRows(of: cache.hiddens, layout: layout, scratch: &cache.previousHiddens) { hPrev in
      cache.gradRecurrentGates.withUnsafeBufferPointer { dG in
        recurrentWeight.gradient.withUnsafeMutableBufferPointer { dW in
          BLAS.gemm(
            transA: true, transB: false, m: h, n: g3, k: rows,
            a: hPrev, lda: h, b: dG.baseAddress!, ldb: g3, beta: 1, c: dW.baseAddress!, ldc: g3)
        }
        recurrentBias.gradient.withUnsafeMutableBufferPointer { db in
          VectorMath.accumulateColumnSums(dG.baseAddress!, rows: rows, cols: g3, into: db.baseAddress!)
        }
      }
    }
    cache.gradInputGates.withUnsafeBufferPointer { dG in
      inputBias.gradient.withUnsafeMutableBufferPointer { db in
        VectorMath.accumulateColumnSums(dG.baseAddress!, rows: rows, cols: g3, into: db.baseAddress!)
      }
    }
    BLAS.gemm(cache.input, transA: true, cache.gradInputGates, into: &inputWeight.gradient, beta: 1)
    var gradInput = Matrix(rows: rows, cols: inputSize)
    BLAS.gemm(cache.gradInputGates, inputWeight.value, transB: true, into: &gradInput)
    return gradInput
  }
}
