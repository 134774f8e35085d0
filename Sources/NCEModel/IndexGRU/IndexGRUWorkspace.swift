import NCECore

/// Buffers and loops for scoring `(context, candidate word)` pairs with an `IndexGRUModule`
/// and back-propagating through them, shared by training (`IndexGRUCriterion`) and scoring.
///
/// Row `i` has the candidates `targets[i]` and, when noise is given, its `k` noise ids (shared
/// by every row or per row, `NoiseDraw`'s layouts). The GRU step splits into a word part and a
/// context part, so the GEMMs run once per distinct word (`[U x E] x [E x 3H]`) and once per
/// row (`[N x H] x [H x 3H]`); each pair costs only `O(H)` element-wise work. Cost for `N` rows
/// and `k` noise words: `O((U + N) E H + N k H)`. Nothing is stored per pair: the training loop
/// back-propagates each pair right after scoring it. Buffers are reused from call to call.
struct IndexGRUWorkspace {
  /// Slot of each word id among the distinct candidates; -1 for non-candidates (kept all -1
  /// between calls).
  private var slotOfWord: [Int32] = []
  /// The distinct candidate words, in slot order.
  private(set) var words: [Int32] = []
  private var targetSlots: [Int32] = []
  private var noiseSlots: [Int32] = []
  /// `[U x 3H]`: `e_w W_ih + b_ih` per distinct word.
  private var inputGates = Matrix(rows: 0, cols: 0)
  /// `[N x 3H]`: `c W_hh + b_hh` per row.
  private var recurrentGates = Matrix(rows: 0, cols: 0)
  private var gradInputGates = Matrix(rows: 0, cols: 0)
  private var gradRecurrentGates = Matrix(rows: 0, cols: 0)
  private var gradRegressor: [Float] = []
  /// `r, z, n, h'` of the current pair.
  private var scratch: [Float] = []

  init() {}

  /// Collects the distinct candidates and computes the gate pre-activations of words and rows.
  private mutating func prepare(
    module: IndexGRUModule, contexts: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw?
  ) {
    let h = module.hiddenSize
    let g3 = 3 * h
    precondition(contexts.cols == h && contexts.rows == targets.count, "contexts must be [N x H] with N targets")
    if slotOfWord.count != module.vocabularySize { slotOfWord = [Int32](repeating: -1, count: module.vocabularySize) }
    words.removeAll(keepingCapacity: true)
    func slot(of word: Int32) -> Int32 {
      let w = Int(word)
      if slotOfWord[w] < 0 {
        slotOfWord[w] = Int32(words.count)
        words.append(word)
      }
      return slotOfWord[w]
    }
    targetSlots.removeAll(keepingCapacity: true)
    for t in targets { targetSlots.append(slot(of: t)) }
    noiseSlots.removeAll(keepingCapacity: true)
    if let noise { for id in noise.ids { noiseSlots.append(slot(of: id)) } }
    for w in words { slotOfWord[Int(w)] = -1 }

    let embedded = words.withUnsafeBufferPointer { module.embedding.forward($0) }
    BLAS.gemm(embedded, module.cell.inputWeight.value, into: &inputGates)
    BLAS.gemm(contexts, module.cell.recurrentWeight.value, into: &recurrentGates)
    module.cell.inputBias.value.withUnsafeBufferPointer { b in
      inputGates.withUnsafeMutableBufferPointer {
        VectorMath.addRowVector(b.baseAddress!, to: $0.baseAddress!, rows: words.count, cols: g3)
      }
    }
    module.cell.recurrentBias.value.withUnsafeBufferPointer { b in
      recurrentGates.withUnsafeMutableBufferPointer {
        VectorMath.addRowVector(b.baseAddress!, to: $0.baseAddress!, rows: contexts.rows, cols: g3)
      }
    }
    if scratch.count != 4 * h { scratch = [Float](repeating: 0, count: 4 * h) }
  }

  /// Scores of the targets `[N]` and of the noise `[N x k]` (`0 x 0` without noise).
  mutating func scores(
    module: IndexGRUModule, contexts: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw?
  ) -> (target: [Float], noise: Matrix) {
    let k = noise?.count ?? 0
    var targetScores = [Float](repeating: 0, count: targets.count)
    var noiseScores = Matrix(rows: k > 0 ? targets.count : 0, cols: k)
    _ = visitPairs(module: module, contexts: contexts, targets: targets, noise: noise, training: false) {
      row, candidate, _, score in
      if candidate == 0 { targetScores[row] = score } else { noiseScores.storage[row * k + candidate - 1] = score }
      return (0, 0)
    }
    return (targetScores, noiseScores)
  }

  /// Runs every pair through `pairLoss(row, candidate, word, score) -> (loss, d loss/d score)`
  /// (candidate 0 is the target, `1...k` the noise), accumulates the module's and the shared
  /// GRU's and embedding's parameter gradients, and returns the summed loss and the gradient
  /// with respect to `contexts` (`[N x H]`).
  mutating func lossAndGradient(
    module: IndexGRUModule, contexts: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw?,
    pairLoss: (_ row: Int, _ candidate: Int, _ word: Int32, _ score: Float) -> (loss: Float, gradient: Float)
  ) -> (loss: Double, gradContexts: Matrix) {
    let h = module.hiddenSize
    let g3 = 3 * h
    var gradContexts = Matrix(rows: contexts.rows, cols: h)
    gradRegressor = [Float](repeating: 0, count: h)
    var gradBias = 0.0
    let loss = gradContexts.withUnsafeMutableBufferPointer { dC in
      visitPairs(
        module: module, contexts: contexts, targets: targets, noise: noise, training: true,
        gradContexts: dC.baseAddress!
      ) { row, candidate, word, score in
        let result = pairLoss(row, candidate, word, score)
        gradBias += Double(result.gradient)
        return result
      }
    }
    guard contexts.rows > 0 else { return (loss, gradContexts) }
    // Context path through W_hh, and the GRU's parameter gradients.
    BLAS.gemm(gradRecurrentGates, module.cell.recurrentWeight.value, transB: true, into: &gradContexts, beta: 1)
    let recurrentBeta = module.cell.recurrentWeight.gradientBeta()
    BLAS.gemm(
      contexts, transA: true, gradRecurrentGates, into: &module.cell.recurrentWeight.gradient, beta: recurrentBeta)
    let embedded = words.withUnsafeBufferPointer { module.embedding.forward($0) }
    let inputBeta = module.cell.inputWeight.gradientBeta()
    BLAS.gemm(embedded, transA: true, gradInputGates, into: &module.cell.inputWeight.gradient, beta: inputBeta)
    for parameter in [
      module.cell.recurrentBias, module.cell.inputBias, module.regressor.weight, module.regressor.bias,
    ] {
      parameter.prepareGradientForAdding()
    }
    gradRecurrentGates.withUnsafeBufferPointer { dR in
      module.cell.recurrentBias.gradient.withUnsafeMutableBufferPointer {
        VectorMath.accumulateColumnSums(dR.baseAddress!, rows: contexts.rows, cols: g3, into: $0.baseAddress!)
      }
    }
    gradInputGates.withUnsafeBufferPointer { dX in
      module.cell.inputBias.gradient.withUnsafeMutableBufferPointer {
        VectorMath.accumulateColumnSums(dX.baseAddress!, rows: words.count, cols: g3, into: $0.baseAddress!)
      }
    }
    var gradEmbedded = Matrix(rows: words.count, cols: module.embedding.size)
    BLAS.gemm(gradInputGates, module.cell.inputWeight.value, transB: true, into: &gradEmbedded)
    words.withUnsafeBufferPointer { module.embedding.backward(gradEmbedded, ids: $0) }
    module.regressor.weight.gradient.withUnsafeMutableBufferPointer { dv in
      for j in 0..<h { dv[j] += gradRegressor[j] }
    }
    module.regressor.bias.gradient.storage[0] += Float(gradBias)
    return (loss, gradContexts)
  }

  /// The pair loop. With `training`, back-propagates each pair with the gradient `visit`
  /// returns into `gradInputGates`, `gradRecurrentGates`, `gradContexts` and `gradRegressor`.
  private mutating func visitPairs(
    module: IndexGRUModule, contexts: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw?, training: Bool,
    gradContexts: UnsafeMutablePointer<Float>? = nil,
    _ visit: (_ row: Int, _ candidate: Int, _ word: Int32, _ score: Float) -> (loss: Float, gradient: Float)
  ) -> Double {
    let n = targets.count
    guard n > 0 else { return 0 }
    prepare(module: module, contexts: contexts, targets: targets, noise: noise)
    let h = module.hiddenSize
    let g3 = 3 * h
    if training {
      gradInputGates.resize(rows: words.count, cols: g3)
      gradInputGates.setZero()
      gradRecurrentGates.resize(rows: n, cols: g3)
      gradRecurrentGates.setZero()
    }
    let k = noise?.count ?? 0
    let stride = noise?.rowStride ?? 0
    let bias = module.regressor.bias.value.storage[0]
    var loss = 0.0
    module.regressor.weight.value.withUnsafeBufferPointer { v in
      contexts.withUnsafeBufferPointer { c in
        inputGates.withUnsafeBufferPointer { x in
          recurrentGates.withUnsafeBufferPointer { rec in
            gradInputGates.withUnsafeMutableBufferPointer { dX in
              gradRecurrentGates.withUnsafeMutableBufferPointer { dR in
                gradRegressor.withUnsafeMutableBufferPointer { dv in
                  scratch.withUnsafeMutableBufferPointer { s in
                    targetSlots.withUnsafeBufferPointer { ts in
                      noiseSlots.withUnsafeBufferPointer { ns in
                        for i in 0..<n {
                          let ci = c.baseAddress! + i * h
                          let reci = rec.baseAddress! + i * g3
                          for candidate in 0...k {
                            let slot = Int(candidate == 0 ? ts[i] : ns[i * stride + candidate - 1])
                            let word = words[slot]
                            let score = IndexGRUModule.pairForward(
                              x: x.baseAddress! + slot * g3, rec: reci, c: ci, v: v.baseAddress!, bias: bias, h: h,
                              scratch: s.baseAddress!)
                            let (pairLoss, gradient) = visit(i, candidate, word, score)
                            loss += Double(pairLoss)
                            guard training else { continue }
                            IndexGRUModule.pairBackward(
                              g: gradient, rec: reci, c: ci, v: v.baseAddress!, h: h, scratch: s.baseAddress!,
                              dX: dX.baseAddress! + slot * g3, dR: dR.baseAddress! + i * g3,
                              dC: gradContexts! + i * h, dv: dv.baseAddress!)
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
      }
    }
    return loss
  }
}
