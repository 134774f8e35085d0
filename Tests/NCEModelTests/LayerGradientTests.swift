import NCECore
import Testing

@testable import NCEModel

@Suite("Layer gradients against finite differences")
struct LayerGradientTests {
  @Test(arguments: [CellType.lstm, .gru])
  func recurrentLayer(cell: CellType) {
    var rng = SeededGenerator(seed: 7)
    let steps = 4, batch = 3, inputSize = 5, hiddenSize = 6
    let stack = RecurrentStack(cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: 1, dropout: 0, using: &rng)
    var input = GradientChecking.randomMatrix(rows: steps * batch, cols: inputSize, using: &rng)
    let weights = GradientChecking.randomMatrix(rows: steps * batch, cols: hiddenSize, using: &rng)
    var initial = stack.initialState(batch: batch)
    initial[0].hidden = GradientChecking.randomMatrix(rows: batch, cols: hiddenSize, using: &rng)
    if cell == .lstm { initial[0].cell = GradientChecking.randomMatrix(rows: batch, cols: hiddenSize, using: &rng) }

    func loss() -> Double {
      var cache = stack.makeCache()
      var states = initial
      var r = SeededGenerator(seed: 1)
      let out = stack.forward(input, steps: steps, states: &states, cache: &cache, training: true, using: &r)
      return GradientChecking.weightedSum(out, weights)
    }
    var cache = stack.makeCache()
    var states = initial
    var r = SeededGenerator(seed: 1)
    _ = stack.forward(input, steps: steps, states: &states, cache: &cache, training: true, using: &r)
    for p in stack.parameters { p.zeroGradient() }
    let gradInput = stack.backward(weights, cache: &cache)
    for p in stack.parameters { GradientChecking.check(p, loss: loss) }
    for index in Swift.stride(from: 0, to: input.count, by: 5) {
      let numeric = GradientChecking.numericGradient(at: input.storage[index], set: { input.storage[index] = $0 }, loss: loss)
      GradientChecking.expectClose(Double(gradInput.storage[index]), numeric, "input[\(index)]")
    }
  }

  @Test func linear() {
    var rng = SeededGenerator(seed: 3)
    let layer = Linear(name: "l", inputSize: 4, outputSize: 3, using: &rng)
    var x = GradientChecking.randomMatrix(rows: 5, cols: 4, using: &rng)
    let weights = GradientChecking.randomMatrix(rows: 5, cols: 3, using: &rng)
    func loss() -> Double { GradientChecking.weightedSum(layer.forward(x, training: false), weights) }
    _ = layer.forward(x, training: true)
    let gx = layer.backward(weights)
    for p in layer.parameters { GradientChecking.check(p, loss: loss) }
    for i in 0..<x.count {
      GradientChecking.expectClose(Double(gx.storage[i]), GradientChecking.numericGradient(at: x.storage[i], set: { x.storage[i] = $0 }, loss: loss), "x[\(i)]")
    }
  }

  @Test func embeddingIsRowSparse() {
    var rng = SeededGenerator(seed: 4)
    let table = Embedding(name: "e", vocabularySize: 9, size: 3, using: &rng)
    let ids: [Int32] = [2, 5, 2, 7]
    let weights = GradientChecking.randomMatrix(rows: 4, cols: 3, using: &rng)
    func loss() -> Double { ids.withUnsafeBufferPointer { GradientChecking.weightedSum(table.forward($0), weights) } }
    ids.withUnsafeBufferPointer { table.backward(weights, ids: $0) }
    GradientChecking.check(table.weight, entries: 27, loss: loss)
    #expect(Set(table.weight.touchedRows.members) == [2, 5, 7])
    table.weight.zeroGradient()
    #expect(table.weight.gradient.storage.allSatisfy { $0 == 0 })
  }

  @Test func dropoutScalesSurvivorsAndIsIdentityAtEvaluation() {
    var rng = SeededGenerator(seed: 5)
    var dropout = Dropout(rate: 0.25)
    let x = Matrix(rows: 100, cols: 100, repeating: 1)
    let y = dropout.forward(x, training: true, using: &rng)
    let kept = y.storage.filter { $0 != 0 }
    #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
    // 10,000 Bernoulli(0.75) draws: standard deviation 43, so ±250 is a 5.8-sigma bound.
    #expect(abs(kept.count - 7500) < 250)
    let g = dropout.backward(x)
    #expect(g == y)
    #expect(dropout.forward(x, training: false, using: &rng) == x)
  }
}

@Suite("Recurrent layers skip finished lanes")
struct ActiveLaneTests {
  /// With `activeLanes`, real positions must get exactly the outputs and gradients of the full
  /// computation; padded lanes get zeros and contribute nothing.
  @Test(arguments: [CellType.lstm, .gru])
  func activeLanesMatchTheFullComputation(cell: CellType) {
    var rng = SeededGenerator(seed: 21)
    let steps = 4, batch = 3, inputSize = 3, hiddenSize = 5
    let stack = RecurrentStack(cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: 2, dropout: 0, using: &rng)
    let input = GradientChecking.randomMatrix(rows: steps * batch, cols: inputSize, using: &rng)
    let active: [Int32] = [3, 3, 2, 1]
    var gradOutput = GradientChecking.randomMatrix(rows: steps * batch, cols: hiddenSize, using: &rng)
    for t in 0..<steps {
      for b in Int(active[t])..<batch { for j in 0..<hiddenSize { gradOutput[t * batch + b, j] = 0 } }
    }
    func run(_ lanes: [Int32]?) -> (Matrix, Matrix, [Matrix]) {
      var cache = stack.makeCache()
      var states = stack.initialState(batch: batch)
      var r = SeededGenerator(seed: 1)
      let out = stack.forward(input, steps: steps, states: &states, cache: &cache, training: true, activeLanes: lanes, using: &r)
      for p in stack.parameters { p.zeroGradient() }
      let gradInput = stack.backward(gradOutput, cache: &cache)
      return (out, gradInput, stack.parameters.map(\.gradient))
    }
    let (fullOut, fullGradInput, fullGrads) = run(nil)
    let (packedOut, packedGradInput, packedGrads) = run(active)
    for t in 0..<steps {
      for b in 0..<batch {
        for j in 0..<hiddenSize {
          let isReal = b < Int(active[t])
          #expect(packedOut[t * batch + b, j] == (isReal ? fullOut[t * batch + b, j] : 0))
        }
        for j in 0..<inputSize where b < Int(active[t]) {
          #expect(abs(packedGradInput[t * batch + b, j] - fullGradInput[t * batch + b, j]) < 1e-6)
        }
      }
    }
    for (full, packed) in zip(fullGrads, packedGrads) {
      for (x, y) in zip(full.storage, packed.storage) { #expect(abs(x - y) < 1e-5) }
    }
  }
}
