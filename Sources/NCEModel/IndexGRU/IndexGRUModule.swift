import NCECore

/// Full-NCE's index module (Pytorch-NCE's `IndexGRU`): the score of word `w` after the
/// context state `c` (the model's GRU output before `w`) is
///
///     s(w | c) = v · GRU(c, e_w) + b
///
/// i.e. one more step of the model's own one-layer GRU, started from `c` with the input
/// embedding `e_w` of the candidate word, followed by the scalar regressor `Linear(H → 1)`.
/// For the true next word this step is exactly the model's next state, so
/// `s(w_t | c_{t-1}) = v · c_t + b`, as Pytorch-NCE's target score `scorer(rnn_output[:, 1:])`;
/// a noise word replaces the target at the *input* of that step, as Pytorch-NCE's
/// `rnn(noise_emb, rnn_output[:, :-1])`.
///
/// The embedding table and the GRU are the model's (shared, not copied); the regressor is the
/// only parameter the module adds (`index.regressor.weight` `[H x 1]`, `index.regressor.bias`
/// `[1 x 1]`). Scores are unnormalized: `s - lnZ` is the log-probability estimate NCE trains
/// towards, and no softmax over the vocabulary is defined (PPL is undefined).
///
/// The module holds no mutable state: several threads may score with it at once.
public final class IndexGRUModule {
  /// The model's input embedding `[V x E]`.
  public let embedding: Embedding
  /// The model's GRU layer (`E` inputs, `H = E` hidden units).
  public let cell: GRULayer
  /// `s = h' · v + b`: weight `[H x 1]`, bias `[1 x 1]`.
  public let regressor: Linear

  /// Builds the regressor and re-initialises `embedding` from N(0, 1): Pytorch-NCE's IndexGRU
  /// owns a plain `nn.Embedding`, which PyTorch initialises so (the ±0.1 table of the
  /// language model leaves candidate words nearly indistinguishable to the scoring step).
  /// A data-parallel replica's module (`reinitializingEmbedding` false) leaves the embedding
  /// alone: it reads the model's values.
  init(embedding: Embedding, cell: GRULayer, reinitializingEmbedding: Bool = true, using rng: inout SeededGenerator) {
    precondition(embedding.size == cell.inputSize, "the index GRU reads the input embedding")
    self.embedding = embedding
    self.cell = cell
    regressor = Linear(name: "index.regressor", inputSize: cell.hiddenSize, outputSize: 1, using: &rng)
    guard reinitializingEmbedding else { return }
    embedding.weight.value.withUnsafeMutableBufferPointer { table in
      for i in 0..<table.count { table[i] = rng.nextNormal() }
    }
  }

  /// The parameters the module adds to the model (the shared embedding and GRU belong to it).
  public var parameters: [Parameter] { regressor.parameters }

  public var hiddenSize: Int { cell.hiddenSize }
  public var vocabularySize: Int { embedding.weight.value.rows }

  /// `s(targets[i] | contexts[i])` for each row; `contexts` is `[N x H]`. Cost `O(N H²)`
  /// (two GEMMs) plus `O(N H)` element-wise work; no vocabulary-sized computation.
  public func targetScores(contexts: Matrix, targets: UnsafeBufferPointer<Int32>) -> [Float] {
    var workspace = IndexGRUWorkspace()
    return workspace.scores(module: self, contexts: contexts, targets: targets, noise: nil).target
  }

  // MARK: - The (context, word) pair kernels

  /// One GRU step from `c` on input pre-activations `x = e_w W_ih + b_ih` (`3H`), with the
  /// recurrent pre-activations `rec = c W_hh + b_hh` (`3H`) of the row, then the regressor.
  /// Leaves `r, z, n, h'` in `scratch[0..<4H]` for `pairBackward`. Returns the score.
  @inline(__always)
  static func pairForward(
    x: UnsafePointer<Float>, rec: UnsafePointer<Float>, c: UnsafePointer<Float>, v: UnsafePointer<Float>,
    bias: Float, h: Int, scratch: UnsafeMutablePointer<Float>
  ) -> Float {
    for j in 0..<(2 * h) { scratch[j] = x[j] + rec[j] }
    VectorMath.sigmoid(scratch, count: 2 * h)
    let n = scratch + 2 * h
    for j in 0..<h { n[j] = x[2 * h + j] + scratch[j] * rec[2 * h + j] }
    VectorMath.tanh(n, count: h)
    let out = scratch + 3 * h
    var score = bias
    for j in 0..<h {
      let z = scratch[h + j]
      out[j] = (1 - z) * n[j] + z * c[j]
      score += v[j] * out[j]
    }
    return score
  }

  /// Back-propagates `g = d loss / d score` through the pair whose activations `pairForward`
  /// left in `scratch`: adds to the input-gate gradient `dX` (`3H`, the word's), the
  /// recurrent-gate gradient `dR` (`3H`, the row's), the direct context gradient `dC` (`H`)
  /// and the regressor weight gradient `dv` (`H`). The bias gradient is `Σ g` (caller).
  @inline(__always)
  static func pairBackward(
    g: Float, rec: UnsafePointer<Float>, c: UnsafePointer<Float>, v: UnsafePointer<Float>, h: Int,
    scratch: UnsafePointer<Float>, dX: UnsafeMutablePointer<Float>, dR: UnsafeMutablePointer<Float>,
    dC: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>
  ) {
    for j in 0..<h {
      let r = scratch[j]
      let z = scratch[h + j]
      let n = scratch[2 * h + j]
      let dOut = g * v[j]
      dv[j] += g * scratch[3 * h + j]
      dC[j] += dOut * z
      let dan = dOut * (1 - z) * (1 - n * n)
      let daz = dOut * (c[j] - n) * z * (1 - z)
      let dar = dan * rec[2 * h + j] * r * (1 - r)
      dX[j] += dar
      dX[h + j] += daz
      dX[2 * h + j] += dan
      dR[j] += dar
      dR[h + j] += daz
      dR[2 * h + j] += dan * r
    }
  }
}

extension RecurrentStack {
  /// The layer of a one-layer GRU stack (the index module's GRU); nil for any other stack.
  var onlyGRULayer: GRULayer? {
    guard units.count == 1, case .gru(let layer) = units[0] else { return nil }
    return layer
  }
}
