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
  public let inputWeight: Parameter  // [inputSize x 4H]
  public let recurrentWeight: Parameter  // [H x 4H]
  public let bias: Parameter  // [1 x 4H] (PyTorch's b_ih + b_hh folded into one)

  public final class Cache {
    public init() {}
    var layout = StepLayout(steps: 0, batch: 0)
    var initialStateIsZero = false
    var input = Matrix(rows: 0, cols: 0)
    var gates = Matrix(rows: 0, cols: 0)  // [rows x 4H] after the non-linearities
    var cells = Matrix(rows: 0, cols: 0)  // [batch + rows x H]: initial cell, then one per output row
    var hiddens = Matrix(rows: 0, cols: 0)  // [batch + rows x H]: likewise
    var tanhCells = Matrix(rows: 0, cols: 0)  // [rows x H]
    var gradGates = Matrix(rows: 0, cols: 0)
    var recurrentWeightPacked = Matrix(rows: 0, cols: 0)  // W packed for the steps (`RecurrentOperand`)
    var recurrentWeightTransposed = Matrix(rows: 0, cols: 0)  // [4H x H], for dh = dG Wᵀ (maybe packed)
    var previousHiddens = Matrix(rows: 0, cols: 0)  // [rows x H], packed layouts only
    var gradHidden = Matrix(rows: 0, cols: 0)  // [batch x H]: dL/dh flowing back from the next step
    var gradCell = Matrix(rows: 0, cols: 0)
  }

  public init(name: String, inputSize: Int, hiddenSize: Int, using rng: inout SeededGenerator) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    let bound = 1 / Float(hiddenSize).squareRoot()
    inputWeight = Parameter(
      name: "\(name).weight_ih",
      value: ParameterInitializer.uniform(rows: inputSize, cols: 4 * hiddenSize, bound: bound, using: &rng))
    recurrentWeight = Parameter(
      name: "\(name).weight_hh",
      value: ParameterInitializer.uniform(rows: hiddenSize, cols: 4 * hiddenSize, bound: bound, using: &rng))
    bias = Parameter(
      name: "\(name).bias",
      value: ParameterInitializer.uniform(rows: 1, cols: 4 * hiddenSize, bound: bound, using: &rng))
  }

  public var parameters: [Parameter] { [inputWeight, recurrentWeight, bias] }
  public func makeCache() -> Cache { Cache() }
  public func initialState(batch: Int) -> RecurrentState {
    RecurrentState(batch: batch, hiddenSize: hiddenSize, hasCell: true)
  }

  public func forward(_ input: Matrix, layout: StepLayout, state: inout RecurrentState, cache: inout Cache) -> Matrix {
    precondition(input.rows == layout.rows && input.cols == inputSize, "LSTM input shape")
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
    precondition(ids.count == layout.rows && table.cols == 4 * hiddenSize, "LSTM input projection shape")
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
    let g4 = 4 * hiddenSize
    precondition(state.hidden.rows == batch && cache.gates.rows == rows, "LSTM state shape")
    cache.layout = layout
    // A fresh sentence batch starts from zeros: its first recurrent product is skipped.
    cache.initialStateIsZero = state.hidden.withUnsafeBufferPointer {
      VectorMath.isZero($0.baseAddress!, count: $0.count)
    }
    cache.cells.resize(rows: batch + rows, cols: h, zero: false)
    cache.hiddens.resize(rows: batch + rows, cols: h, zero: false)
    cache.tanhCells.resize(rows: rows, cols: h, zero: false)
    let packed = RecurrentOperand.pack(
      recurrentWeight.value, lanes: batch, steps: steps, into: &cache.recurrentWeightPacked)
    let wh = packed ? cache.recurrentWeightPacked : recurrentWeight.value
    bias.value.withUnsafeBufferPointer { b in
      wh.withUnsafeBufferPointer { w in
        let weight = RecurrentOperand(base: w.baseAddress!, cols: g4, isPacked: packed)
        cache.gates.withUnsafeMutableBufferPointer { gates in
          cache.cells.withUnsafeMutableBufferPointer { cells in
            cache.hiddens.withUnsafeMutableBufferPointer { hiddens in
              cache.tanhCells.withUnsafeMutableBufferPointer { tanhCells in
                state.hidden.withUnsafeBufferPointer { hidden0 in
                  hiddens.baseAddress!.update(from: hidden0.baseAddress!, count: batch * h)
                }
                state.cell.withUnsafeBufferPointer { cell0 in
                  cells.baseAddress!.update(from: cell0.baseAddress!, count: batch * h)
                }
                VectorMath.addRowVector(b.baseAddress!, to: gates.baseAddress!, rows: rows, cols: g4)
                for t in 0..<steps {
                  let active = layout.lanes[t]
                  let row0 = layout.offsets[t]
                  let previous = layout.previousStateRow(t)
                  let gt = gates.baseAddress! + row0 * g4
                  if t > 0 || !cache.initialStateIsZero {
                    weight.multiply(
                      m: active, k: h, a: hiddens.baseAddress! + previous * h, lda: h, c: gt, ldc: g4,
                      accumulate: true)
                  }
                  let cPrev = cells.baseAddress! + previous * h
                  let cNext = cells.baseAddress! + (batch + row0) * h
                  let hNext = hiddens.baseAddress! + (batch + row0) * h
                  let tc = tanhCells.baseAddress! + row0 * h
                  for r in 0..<active {
                    Self.stepRow(
                      gates: gt + r * g4, previousCell: cPrev + r * h, cell: cNext + r * h, tanhCell: tc + r * h,
                      hidden: hNext + r * h, count: h)
                  }
                }
              }
            }
          }
        }
      }
    }
    state.hidden = RecurrentState.finalRows(of: cache.hiddens, layout: layout)
    state.cell = RecurrentState.finalRows(of: cache.cells, layout: layout)
    return Matrix(rows: rows, cols: h, storage: Array(cache.hiddens.storage[(batch * h)...]))
  }

  public func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix {
    let layout = cache.layout
    let batch = layout.batch
    let steps = layout.steps
    let rows = layout.rows
    let h = hiddenSize
    let g4 = 4 * hiddenSize
    precondition(
      gradOutput.rows == rows && gradOutput.cols == h && cache.input.rows == rows,
      "LSTM gradient shape (or no training forward)")
    cache.gradGates.resize(rows: rows, cols: g4, zero: false)
    // Lanes join going backwards (longest first), so rows not yet written must start at zero.
    cache.gradHidden.resize(rows: batch, cols: h)
    cache.gradCell.resize(rows: batch, cols: h)
    cache.gradHidden.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    cache.gradCell.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    let packed = RecurrentOperand.transpose(
      recurrentWeight.value, lanes: batch, steps: steps, into: &cache.recurrentWeightTransposed)
    let wh = cache.recurrentWeightTransposed
    gradOutput.withUnsafeBufferPointer { dOut in
      wh.withUnsafeBufferPointer { w in
        let weight = RecurrentOperand(base: w.baseAddress!, cols: h, isPacked: packed)
        cache.gates.withUnsafeBufferPointer { gates in
          cache.cells.withUnsafeBufferPointer { cells in
            cache.tanhCells.withUnsafeBufferPointer { tanhCells in
              cache.gradGates.withUnsafeMutableBufferPointer { dGates in
                cache.gradHidden.withUnsafeMutableBufferPointer { dh in
                  cache.gradCell.withUnsafeMutableBufferPointer { dc in
                    for t in stride(from: steps - 1, through: 0, by: -1) {
                      let active = layout.lanes[t]
                      let row0 = layout.offsets[t]
                      let gt = gates.baseAddress! + row0 * g4
                      let dgt = dGates.baseAddress! + row0 * g4
                      let cPrev = cells.baseAddress! + layout.previousStateRow(t) * h
                      let tc = tanhCells.baseAddress! + row0 * h
                      let dOutT = dOut.baseAddress! + row0 * h
                      for r in 0..<active {
                        let k = r * h
                        Self.gateGradients(
                          gates: gt + r * g4, gradGates: dgt + r * g4, gradOutput: dOutT + k,
                          gradHidden: dh.baseAddress! + k,
                          gradCell: dc.baseAddress! + k, tanhCell: tc + k, previousCell: cPrev + k, count: h)
                      }
                      if t > 0 {
                        weight.multiply(
                          m: active, k: g4, a: dgt, lda: g4, c: dh.baseAddress!, ldc: h, accumulate: false)
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
    // Weight gradients over all steps at once: dWh += H_prev^T dG, dWx += X^T dG (without the
    // first step's rows when they continue from zeros).
    let skipped = cache.initialStateIsZero && steps > 0 ? layout.lanes[0] : 0
    let recurrentBeta = recurrentWeight.gradientBeta()
    bias.prepareGradientForAdding()
    PreviousStates.withRows(of: cache.hiddens, layout: layout, scratch: &cache.previousHiddens) { hPrev in
      cache.gradGates.withUnsafeBufferPointer { dG in
        recurrentWeight.gradient.withUnsafeMutableBufferPointer { dW in
          BLAS.gemm(
            transA: true, transB: false, m: h, n: g4, k: rows - skipped,
            a: hPrev + skipped * h, lda: h, b: dG.baseAddress! + skipped * g4, ldb: g4, beta: recurrentBeta,
            c: dW.baseAddress!, ldc: g4)
        }
        bias.gradient.withUnsafeMutableBufferPointer { db in
          VectorMath.accumulateColumnSums(dG.baseAddress!, rows: rows, cols: g4, into: db.baseAddress!)
        }
      }
    }
    let inputBeta = inputWeight.gradientBeta()
    BLAS.gemm(cache.input, transA: true, cache.gradGates, into: &inputWeight.gradient, beta: inputBeta)
    var gradInput = Matrix(rows: rows, cols: inputSize)
    BLAS.gemm(cache.gradGates, inputWeight.value, transB: true, into: &gradInput)
    return gradInput
  }

  /// One row of a forward step in one pass, 16 lanes at a time: the gate pre-activations
  /// `gates` become `i = σ(x_i)`, `f = σ(x_f)`, `g = tanh(x_g)` (as `2σ(2x) - 1`), `o = σ(x_o)`;
  /// `cell = f ∘ previousCell + i ∘ g`, `tanhCell = tanh(cell)`, `hidden = o ∘ tanhCell`.
  @inline(__always)
  static func stepRow(
    gates row: UnsafeMutablePointer<Float>, previousCell cp: UnsafePointer<Float>, cell cn: UnsafeMutablePointer<Float>,
    tanhCell tc: UnsafeMutablePointer<Float>, hidden hn: UnsafeMutablePointer<Float>, count h: Int
  ) {
    typealias V = VectorMath
    var j = 0
    while j < h {
      let i = V.sigmoid(V.lanes(row, j, h))
      let f = V.sigmoid(V.lanes(row + h, j, h))
      let x = V.lanes(row + 2 * h, j, h)
      let g = 2 * V.sigmoid(x + x) - 1
      let o = V.sigmoid(V.lanes(row + 3 * h, j, h))
      let c = f * V.lanes(cp, j, h) + i * g
      let t = V.tanh(c)
      V.store(i, row, j, h)
      V.store(f, row + h, j, h)
      V.store(g, row + 2 * h, j, h)
      V.store(o, row + 3 * h, j, h)
      V.store(c, cn, j, h)
      V.store(t, tc, j, h)
      V.store(o * t, hn, j, h)
      j += 16
    }
  }

  /// One row of the step's gate gradients (16 lanes at a time; pointers do not alias, which
  /// the compiler cannot know): with `dh = dOut + dh_next`,
  /// `dc = dc_next + dh·o·(1 - tanh²c)`, `di = dc·g·i(1-i)`, `df = dc·c_prev·f(1-f)`,
  /// `dg = dc·i·(1-g²)`, `do = dh·tanh c·o(1-o)`, and `dc_next ← dc·f` for the step before.
  @inline(__always)
  static func gateGradients(
    gates: UnsafePointer<Float>, gradGates: UnsafeMutablePointer<Float>, gradOutput: UnsafePointer<Float>,
    gradHidden: UnsafePointer<Float>, gradCell: UnsafeMutablePointer<Float>, tanhCell: UnsafePointer<Float>,
    previousCell: UnsafePointer<Float>, count h: Int
  ) {
    typealias Lanes = VectorMath.Lanes
    @inline(__always) func load(_ p: UnsafePointer<Float>, _ j: Int) -> Lanes {
      UnsafeRawPointer(p + j).loadUnaligned(as: Lanes.self)
    }
    @inline(__always) func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ j: Int) {
      UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: Lanes.self)
    }
    var j = 0
    while j + 16 <= h {
      let dh = load(gradOutput, j) + load(gradHidden, j)
      let i = load(gates, j)
      let f = load(gates, h + j)
      let g = load(gates, 2 * h + j)
      let o = load(gates, 3 * h + j)
      let tc = load(tanhCell, j)
      let dc = load(gradCell, j) + dh * o * (1 - tc * tc)
      store(dc * g * i * (1 - i), gradGates, j)
      store(dc * load(previousCell, j) * f * (1 - f), gradGates, h + j)
      store(dc * i * (1 - g * g), gradGates, 2 * h + j)
      store(dh * tc * o * (1 - o), gradGates, 3 * h + j)
      store(dc * f, gradCell, j)
      j += 16
    }
    while j < h {
      let dh = gradOutput[j] + gradHidden[j]
      let i = gates[j]
      let f = gates[h + j]
      let g = gates[2 * h + j]
      let o = gates[3 * h + j]
      let tc = tanhCell[j]
      let dc = gradCell[j] + dh * o * (1 - tc * tc)
      gradGates[j] = dc * g * i * (1 - i)
      gradGates[h + j] = dc * previousCell[j] * f * (1 - f)
      gradGates[2 * h + j] = dc * i * (1 - g * g)
      gradGates[3 * h + j] = dh * tc * o * (1 - o)
      gradCell[j] = dc * f
      j += 1
    }
  }
}
