import NCECore

/// The `layers` recurrent layers of a model, all LSTM or all GRU, with inverted dropout on
/// the output of every layer (as `nn.LSTM(dropout:)` plus Pytorch-NCE's output dropout).
public final class RecurrentStack {
  enum Unit {
    case lstm(LSTMLayer)
    case gru(GRULayer)
  }

  enum UnitCache {
    case lstm(LSTMLayer.Cache)
    case gru(GRULayer.Cache)
  }

  /// Per-call activations; one per thread when several threads share the model.
  public struct Cache {
    var units: [UnitCache]
    var dropouts: [Dropout]
  }

  let units: [Unit]
  public let cell: CellType
  public let dropout: Float

  public init(
    cell: CellType, inputSize: Int, hiddenSize: Int, layers: Int, dropout: Float, using rng: inout SeededGenerator
  ) {
    self.cell = cell
    self.dropout = dropout
    units = (0..<layers).map { index in
      let size = index == 0 ? inputSize : hiddenSize
      switch cell {
      case .lstm: return .lstm(LSTMLayer(name: "rnn.\(index)", inputSize: size, hiddenSize: hiddenSize, using: &rng))
      case .gru: return .gru(GRULayer(name: "rnn.\(index)", inputSize: size, hiddenSize: hiddenSize, using: &rng))
      }
    }
  }

  public var parameters: [Parameter] {
    units.flatMap { unit -> [Parameter] in
      switch unit {
      case .lstm(let l): return l.parameters
      case .gru(let g): return g.parameters
      }
    }
  }

  public func makeCache() -> Cache {
    Cache(
      units: units.map { unit in
        switch unit {
        case .lstm(let l): return .lstm(l.makeCache())
        case .gru(let g): return .gru(g.makeCache())
        }
      },
      dropouts: units.map { _ in Dropout(rate: dropout) })
  }

  public func initialState(batch: Int) -> [RecurrentState] {
    units.map { unit in
      switch unit {
      case .lstm(let l): return l.initialState(batch: batch)
      case .gru(let g): return g.initialState(batch: batch)
      }
    }
  }

  /// Runs all layers over `steps` dense time steps; `states` holds one state per layer.
  public func forward(
    _ input: Matrix, steps: Int, states: inout [RecurrentState], cache: inout Cache, training: Bool,
    using rng: inout SeededGenerator
  ) -> Matrix {
    let layout = StepLayout(steps: steps, batch: states[0].hidden.rows)
    return forward(input, layout: layout, states: &states, cache: &cache, training: training, using: &rng)
  }

  /// Runs all layers over the steps of `layout`; `states` holds one state per layer. With
  /// `firstLayerInput` (evaluation only) the first layer's input projection is looked up: row
  /// `ids[i]` of `table` instead of `input` row `i` times `W_ih` (`input` is then unused).
  public func forward(
    _ input: Matrix, layout: StepLayout, states: inout [RecurrentState], cache: inout Cache, training: Bool,
    firstLayerInput: (ids: UnsafeBufferPointer<Int32>, table: Matrix)? = nil, using rng: inout SeededGenerator
  ) -> Matrix {
    precondition(firstLayerInput == nil || !training, "an input projection table is for evaluation only")
    var x = input
    for index in units.indices {
      let lookup = index == 0 ? firstLayerInput : nil
      switch (units[index], cache.units[index]) {
      case (.lstm(let layer), .lstm(let cacheObject)):
        var c = cacheObject
        x =
          lookup.map {
            layer.forward(inputRows: $0.ids, of: $0.table, layout: layout, state: &states[index], cache: &c)
          }
          ?? layer.forward(x, layout: layout, state: &states[index], cache: &c)
      case (.gru(let layer), .gru(let cacheObject)):
        var c = cacheObject
        x =
          lookup.map {
            layer.forward(inputRows: $0.ids, of: $0.table, layout: layout, state: &states[index], cache: &c)
          }
          ?? layer.forward(x, layout: layout, state: &states[index], cache: &c)
      default: preconditionFailure("cache does not match the layer type")
      }
      cache.dropouts[index].apply(to: &x, training: training, using: &rng)
    }
    return x
  }

  /// The first layer's input weight `W_ih`.
  var firstInputWeight: Parameter {
    switch units[0] {
    case .lstm(let l): return l.inputWeight
    case .gru(let g): return g.inputWeight
    }
  }

  public func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix {
    var g = gradOutput
    for index in units.indices.reversed() {
      cache.dropouts[index].backpropagate(&g)
      switch (units[index], cache.units[index]) {
      case (.lstm(let layer), .lstm(let cacheObject)):
        var c = cacheObject
        g = layer.backward(g, cache: &c)
      case (.gru(let layer), .gru(let cacheObject)):
        var c = cacheObject
        g = layer.backward(g, cache: &c)
      default: preconditionFailure("cache does not match the layer type")
      }
    }
    return g
  }
}
