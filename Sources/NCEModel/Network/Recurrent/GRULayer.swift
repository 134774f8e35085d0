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
    var recurrentWeightPacked = Matrix(rows: 0, cols: 0)  // W packed for the steps (`RecurrentOperand`)
    var recurrentWeightTransposed = Matrix(rows: 0, cols: 0)  // [3H x H], for dh = dG Wᵀ (maybe packed)
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
    let packed = RecurrentOperand.pack(
      recurrentWeight.value, lanes: batch, steps: steps, into: &cache.recurrentWeightPacked)
    let wh = packed ? cache.recurrentWeightPacked : recurrentWeight.value
    inputBias.value.withUnsafeBufferPointer { bx in
      recurrentBias.value.withUnsafeBufferPointer { bh in
        wh.withUnsafeBufferPointer { w in
          let weight = RecurrentOperand(base: w.baseAddress!, cols: g3, isPacked: packed)
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
                    weight.multiply(m: active, k: h, a: hPrev, lda: h, c: sc, ldc: g3, accumulate: false)
                    for r in 0..<active {
                      Self.stepRow(
                        gates: gt + r * g3, recurrent: sc + r * g3, recurrentBias: bh.baseAddress!,
                        recurrentN: recN.baseAddress! + (row0 + r) * h, previous: hPrev + r * h, next: hNext + r * h,
                        count: h)
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
    let packed = RecurrentOperand.transpose(
      recurrentWeight.value, lanes: batch, steps: steps, into: &cache.recurrentWeightTransposed)
    let wh = cache.recurrentWeightTransposed
    gradOutput.withUnsafeBufferPointer { dOut in
      wh.withUnsafeBufferPointer { w in
        let weight = RecurrentOperand(base: w.baseAddress!, cols: h, isPacked: packed)
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
                        Self.gateGradients(
                          gates: gates.baseAddress! + (row0 + r) * g3, recurrentN: recN.baseAddress! + (row0 + r) * h,
                          previous: hPrev + r * h, gradOutput: dOutT + r * h, gradHidden: dh.baseAddress! + r * h,
                          gradInputGates: dX.baseAddress! + (row0 + r) * g3,
                          gradRecurrentGates: dH.baseAddress! + (row0 + r) * g3, count: h)
                      }
                      if t > 0 {
                        weight.multiply(
                          m: active, k: g3, a: dH.baseAddress! + row0 * g3, lda: g3, c: dh.baseAddress!, ldc: h,
                          accumulate: true)
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
    let recurrentBeta = recurrentWeight.gradientBeta()
    recurrentBias.prepareGradientForAdding()
    inputBias.prepareGradientForAdding()
    PreviousStates.withRows(of: cache.hiddens, layout: layout, scratch: &cache.previousHiddens) { hPrev in
      cache.gradRecurrentGates.withUnsafeBufferPointer { dG in
        recurrentWeight.gradient.withUnsafeMutableBufferPointer { dW in
          BLAS.gemm(
            transA: true, transB: false, m: h, n: g3, k: rows,
            a: hPrev, lda: h, b: dG.baseAddress!, ldb: g3, beta: recurrentBeta, c: dW.baseAddress!, ldc: g3)
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
    let inputBeta = inputWeight.gradientBeta()
    BLAS.gemm(cache.input, transA: true, cache.gradInputGates, into: &inputWeight.gradient, beta: inputBeta)
    var gradInput = Matrix(rows: rows, cols: inputSize)
    BLAS.gemm(cache.gradInputGates, inputWeight.value, transB: true, into: &gradInput)
    return gradInput
  }

  /// One row of a forward step in one pass, 16 lanes at a time: with `a = recurrent + recurrentBias`
  /// (`h U + b_h`), `r = σ(x_r + a_r)`, `z = σ(x_z + a_z)`, `n = tanh(x_n + r ∘ a_n)`,
  /// `next = (1 - z) ∘ n + z ∘ previous`; `gates` (holding `x W + b_x`) becomes `r, z, n`, and
  /// `recurrentN` receives `a_n` for the backward pass.
  @inline(__always)
  static func stepRow(
    gates row: UnsafeMutablePointer<Float>, recurrent hs: UnsafePointer<Float>, recurrentBias bh: UnsafePointer<Float>,
    recurrentN rn: UnsafeMutablePointer<Float>, previous hp: UnsafePointer<Float>, next hn: UnsafeMutablePointer<Float>,
    count h: Int
  ) {
    typealias V = VectorMath
    var j = 0
    while j < h {
      let r = V.sigmoid(V.lanes(row, j, h) + (V.lanes(hs, j, h) + V.lanes(bh, j, h)))
      let z = V.sigmoid(V.lanes(row + h, j, h) + (V.lanes(hs + h, j, h) + V.lanes(bh + h, j, h)))
      let an = V.lanes(hs + 2 * h, j, h) + V.lanes(bh + 2 * h, j, h)
      let n = V.tanh(V.lanes(row + 2 * h, j, h) + r * an)
      V.store(r, row, j, h)
      V.store(z, row + h, j, h)
      V.store(n, row + 2 * h, j, h)
      V.store(an, rn, j, h)
      V.store((1 - z) * n + z * V.lanes(hp, j, h), hn, j, h)
      j += 16
    }
  }

  /// One row of a backward step, 16 lanes at a time: with `d = gradOutput + gradHidden`,
  /// `dn = d(1-z)(1-n²)`, `dz = d(h_prev - n)z(1-z)`, `dr = dn·a_n·r(1-r)`; the input-gate
  /// gradients are `dr, dz, dn`, the recurrent ones `dr, dz, dn·r`, and `gradHidden ← d·z` (the
  /// direct path to the previous step; the caller adds the recurrent product).
  @inline(__always)
  static func gateGradients(
    gates row: UnsafePointer<Float>, recurrentN rn: UnsafePointer<Float>, previous hp: UnsafePointer<Float>,
    gradOutput dOut: UnsafePointer<Float>, gradHidden dh: UnsafeMutablePointer<Float>,
    gradInputGates dx: UnsafeMutablePointer<Float>, gradRecurrentGates dhr: UnsafeMutablePointer<Float>, count h: Int
  ) {
    typealias V = VectorMath
    var j = 0
    while j < h {
      let d = V.lanes(dOut, j, h) + V.lanes(dh, j, h)
      let r = V.lanes(row, j, h)
      let z = V.lanes(row + h, j, h)
      let n = V.lanes(row + 2 * h, j, h)
      let dn = d * (1 - z) * (1 - n * n)
      let dz = d * (V.lanes(hp, j, h) - n) * z * (1 - z)
      let dr = dn * V.lanes(rn, j, h) * r * (1 - r)
      V.store(dr, dx, j, h)
      V.store(dz, dx + h, j, h)
      V.store(dn, dx + 2 * h, j, h)
      V.store(dr, dhr, j, h)
      V.store(dz, dhr + h, j, h)
      V.store(dn * r, dhr + 2 * h, j, h)
      V.store(d * z, dh, j, h)
      j += 16
    }
  }
}
