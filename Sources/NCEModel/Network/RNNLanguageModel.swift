import NCECore

/// The RNN language model: embedding → recurrent layers → projection to `embeddingSize`
/// (only when `hiddenSize != embeddingSize`) → output layer (+ direct n-gram features when
/// `config.direct` is set). The criterion is separate; this
/// type computes hidden vectors, which training and rescoring feed to the output layer.
public final class RNNLanguageModel {
  public let config: ModelConfig
  public let embedding: Embedding
  public let recurrent: RecurrentStack
  public let projection: Linear?
  public let output: OutputLayer
  /// Full-NCE's scorer (`config.indexModule == .gru`); such a model scores words with it and
  /// leaves `output` unused (not among `parameters`, not saved).
  public let indexModule: IndexGRUModule?
  /// Every trainable parameter once (a tied table appears once).
  public let parameters: [Parameter]

  /// Per-call activations of one forward pass.
  public struct ForwardCache {
    var inputIDs: [Int32] = []
    var embeddingDropout: Dropout
    var recurrent: RecurrentStack.Cache
    /// `makeInputProjectionTable()`, for evaluation passes; must match the current weights.
    public var inputProjectionTable: Matrix?
  }

  public convenience init(config: ModelConfig, using rng: inout SeededGenerator) {
    self.init(config: config, sharingDirectTableOf: nil, using: &rng)
  }

  /// `shared`: direct features whose table the model reads instead of allocating its own.
  /// `source`: a model whose embedding and output values this one reads (a replica's, see
  /// `init(replicaOf:)`), instead of drawing `V x E` values only to drop them.
  init(
    config: ModelConfig, sharingDirectTableOf shared: DirectFeatures?,
    sharingVocabularyValuesOf source: RNNLanguageModel? = nil,
    using rng: inout SeededGenerator
  ) {
    self.config = config
    embedding =
      source.map { Embedding(weight: Parameter(sharingValuesOf: $0.embedding.weight)) }
      ?? Embedding(name: "embedding", vocabularySize: config.vocabularySize, size: config.embeddingSize, using: &rng)
    recurrent = RecurrentStack(
      cell: config.cell, inputSize: config.embeddingSize, hiddenSize: config.hiddenSize, layers: config.layers,
      dropout: config.dropout, using: &rng)
    projection =
      config.hiddenSize == config.embeddingSize
      ? nil : Linear(name: "projection", inputSize: config.hiddenSize, outputSize: config.embeddingSize, using: &rng)
    let direct =
      shared.map { DirectFeatures(sharingTableOf: $0) }
      ?? config.direct.map { DirectFeatures(config: $0, vocabularySize: config.vocabularySize) }
    if config.tieWeights {
      let bias =
        source.map { Parameter(sharingValuesOf: $0.output.bias) }
        ?? Parameter(name: "output.bias", value: Matrix(rows: config.vocabularySize, cols: 1), isRowSparse: true)
      output = OutputLayer(weight: embedding.weight, bias: bias, direct: direct)
    } else if let source {
      output = OutputLayer(
        weight: Parameter(sharingValuesOf: source.output.weight), bias: Parameter(sharingValuesOf: source.output.bias),
        direct: direct)
    } else {
      let untied = OutputLayer(
        name: "output", vocabularySize: config.vocabularySize, size: config.embeddingSize, using: &rng)
      output = OutputLayer(weight: untied.weight, bias: untied.bias, direct: direct)
    }
    var all = [embedding.weight] + recurrent.parameters + (projection?.parameters ?? [])
    if config.usesIndexGRU, let cell = recurrent.onlyGRULayer {
      let module = IndexGRUModule(embedding: embedding, cell: cell, reinitializingEmbedding: source == nil, using: &rng)
      indexModule = module
      all += module.parameters
    } else {
      precondition(!config.usesIndexGRU, "--index-module gru needs a one-layer GRU")
      indexModule = nil
      if !config.tieWeights { all.append(output.weight) }
      all.append(output.bias)
    }
    // Last, so that the order (and the generator draws) of the other parameters is unchanged.
    if let direct { all.append(direct.weight) }
    parameters = all
  }

  /// Rebuilds a model from named tensors (a checkpoint); every parameter must be present with
  /// its exact shape.
  public convenience init(config: ModelConfig, tensors: [String: Matrix]) throws {
    var rng = SeededGenerator(seed: 0)
    self.init(config: config, using: &rng)
    for parameter in parameters {
      guard let tensor = tensors[parameter.name] else {
        throw ModelConfigError(message: "the model file lacks tensor '\(parameter.name)'")
      }
      guard tensor.rows == parameter.value.rows && tensor.cols == parameter.value.cols else {
        throw ModelConfigError(
          message:
            "tensor '\(parameter.name)' is \(tensor.rows)x\(tensor.cols), expected \(parameter.value.rows)x\(parameter.value.cols)"
        )
      }
      parameter.value = tensor
    }
  }

  /// A data-parallel training replica of `model`: it reads `model`'s values of every parameter
  /// (one copy in memory, written once per step by the update; the direct-feature table is the
  /// same parameter) and keeps gradients of its own.
  convenience init(replicaOf model: RNNLanguageModel) {
    var rng = SeededGenerator(seed: 0)
    self.init(
      config: model.config, sharingDirectTableOf: model.output.direct, sharingVocabularyValuesOf: model, using: &rng)
    for (parameter, source) in zip(parameters, model.parameters) where parameter !== source {
      precondition(parameter.name == source.name, "a replica lists its model's parameters in order")
      parameter.shareValues(of: source)
    }
  }

  /// The parameters by name, for checkpoints.
  public var tensors: [String: Matrix] {
    Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
  }

  public func makeCache() -> ForwardCache {
    ForwardCache(embeddingDropout: Dropout(rate: config.dropout), recurrent: recurrent.makeCache())
  }

  public func initialState(batch: Int) -> [RecurrentState] { recurrent.initialState(batch: batch) }

  /// Hidden vectors `[steps*batch x embeddingSize]` for dense time-major `inputs`
  /// (position `t*batch + b`); `states` is advanced to the end of the sequence.
  public func forward(
    inputs: [Int32], steps: Int, states: inout [RecurrentState], cache: inout ForwardCache, training: Bool,
    using rng: inout SeededGenerator
  ) -> Matrix {
    let layout = StepLayout(steps: steps, batch: states[0].hidden.rows)
    return forward(inputs: inputs, layout: layout, states: &states, cache: &cache, training: training, using: &rng)
  }

  /// Hidden vectors `[layout.rows x embeddingSize]` for `inputs` arranged by `layout` (dense, or
  /// packed: no padding); `states` is advanced to the end of the sequence.
  public func forward(
    inputs: [Int32], layout: StepLayout, states: inout [RecurrentState], cache: inout ForwardCache, training: Bool,
    using rng: inout SeededGenerator
  ) -> Matrix {
    precondition(inputs.count == layout.rows && states[0].hidden.rows == layout.batch, "inputs must match the layout")
    cache.inputIDs = inputs
    let hidden: Matrix
    if !training, let table = cache.inputProjectionTable {
      // Without dropout, layer 0's input projection of a word is a row of the table.
      hidden = inputs.withUnsafeBufferPointer { ids in
        recurrent.forward(
          Matrix(rows: 0, cols: 0), layout: layout, states: &states, cache: &cache.recurrent, training: false,
          firstLayerInput: (ids, table), using: &rng)
      }
    } else {
      var dropped = inputs.withUnsafeBufferPointer { embedding.forward($0) }
      cache.embeddingDropout.apply(to: &dropped, training: training, using: &rng)
      hidden = recurrent.forward(
        dropped, layout: layout, states: &states, cache: &cache.recurrent, training: training, using: &rng)
    }
    return projection?.forward(hidden, training: training) ?? hidden
  }

  /// Layer 0's input projection of every word, `embedding · W_ih` (`[V x gates]`). Evaluation
  /// passes given it in `ForwardCache.inputProjectionTable` look rows up instead of multiplying
  /// (faster-rnnlm's one-hot input layer is such a table): a quarter of the recurrent work of a
  /// 2-layer model. Building it costs one `[V x E] x [E x gates]` GEMM, so it pays when a pass
  /// scores more tokens than there are words; it is stale once the weights change.
  public func makeInputProjectionTable() -> Matrix {
    var table = Matrix(rows: 0, cols: 0)
    BLAS.gemm(embedding.weight.value, recurrent.firstInputWeight.value, into: &table)
    return table
  }

  /// Back-propagates `gradHidden` (gradient of the loss w.r.t. the output of `forward`) into
  /// every parameter's gradient.
  public func backward(_ gradHidden: Matrix, cache: inout ForwardCache) {
    var g = projection?.backward(gradHidden) ?? gradHidden
    g = recurrent.backward(g, cache: &cache.recurrent)
    cache.embeddingDropout.backpropagate(&g)
    cache.inputIDs.withUnsafeBufferPointer { embedding.backward(g, ids: $0) }
  }

  public func zeroGradients() {
    for parameter in parameters { parameter.zeroGradient() }
    output.direct?.gradient.reset()
  }
}
