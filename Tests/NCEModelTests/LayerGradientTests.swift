import NCECore
import Testing

@testable import NCEModel

@Suite("Layer gradients against finite differences")
struct LayerGradientTests {
  /// 2 steps read the recurrent weight in place, 5 a packed copy (`RecurrentOperand`).
  @Test(arguments: [CellType.lstm, .gru], [2, 5])
  func recurrentLayer(cell: CellType, steps: Int) {
    #expect(SmallGEMM.packsWeights(lanes: 3, steps: steps) == (steps == 5))
    var rng = SeededGenerator(seed: 7)
    let batch = 3
    let inputSize = 5
    let hiddenSize = 6
    let stack = RecurrentStack(
      cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: 1, dropout: 0, using: &rng)
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
      let numeric = GradientChecking.numericGradient(
        at: input.storage[index], set: { input.storage[index] = $0 }, loss: loss)
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
      GradientChecking.expectClose(
        Double(gx.storage[i]),
        GradientChecking.numericGradient(at: x.storage[i], set: { x.storage[i] = $0 }, loss: loss), "x[\(i)]")
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

  /// The embedding writes a row at its first id and adds at the repeats, so rows outside the
  /// gradient are never read (NaN here), and a row already in it (a tied output layer's) is
  /// added to: the same values bit for bit as zero-then-add, in id order, over 16-lane and
  /// tail widths.
  @Test(arguments: [3, 37])
  func embeddingWritesNewRowsAndAddsToTouchedOnes(width: Int) {
    var rng = SeededGenerator(seed: 6)
    let table = Embedding(name: "e", vocabularySize: 9, size: width, using: &rng)
    table.weight.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
    table.weight.touch(row: 4)
    for j in 0..<width { table.weight.gradient[4, j] = Float(j) * 0.5 - 1 }
    let ids: [Int32] = [2, 4, 2, 7, 2, 4]
    let grad = GradientChecking.randomMatrix(rows: ids.count, cols: width, using: &rng)
    var expected = [Float](repeating: 0, count: 9 * width)
    for j in 0..<width { expected[4 * width + j] = Float(j) * 0.5 - 1 }
    for (i, id) in ids.enumerated() {
      for j in 0..<width { expected[Int(id) * width + j] += grad[i, j] }
    }
    ids.withUnsafeBufferPointer { table.backward(grad, ids: $0) }
    #expect(table.weight.touchedRows.members == [4, 2, 7])
    for row in [2, 4, 7] {
      for j in 0..<width {
        #expect(
          table.weight.gradient[row, j].bitPattern == expected[row * width + j].bitPattern, "row \(row), column \(j)")
      }
    }
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
    // Neighbours share one 64-bit draw: their masks must still be independent. 5,000 pairs,
    // both kept with probability 0.5625: standard deviation 35, so ±200 is a 5.7-sigma bound.
    let bothKept = stride(from: 0, to: y.count, by: 2).filter { y.storage[$0] != 0 && y.storage[$0 + 1] != 0 }.count
    #expect(abs(bothKept - 2812) < 200)
    let g = dropout.backward(x)
    #expect(g == y)
    #expect(dropout.forward(x, training: false, using: &rng) == x)
  }
}

@Suite("Recurrent layers on packed sequences")
struct PackedLayoutTests {
  /// A packed layout (finished lanes not stored) must give the real positions exactly the
  /// outputs, input gradients and weight gradients of the dense computation with padding whose
  /// output gradient is zero; the final state is the last step's, zero for finished lanes.
  @Test(arguments: [CellType.lstm, .gru])
  func packedLayoutMatchesTheDenseComputation(cell: CellType) {
    var rng = SeededGenerator(seed: 21)
    let steps = 4
    let batch = 3
    let inputSize = 3
    let hiddenSize = 5
    let stack = RecurrentStack(
      cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: 2, dropout: 0, using: &rng)
    let input = GradientChecking.randomMatrix(rows: steps * batch, cols: inputSize, using: &rng)
    let active: [Int32] = [3, 3, 2, 1]
    let layout = StepLayout(batch: batch, activeLanes: active)
    #expect(layout.offsets == [0, 3, 6, 8, 9] && layout.rows == 9 && !layout.isDense)
    let real = (0..<steps).flatMap { t in (0..<Int(active[t])).map { t * batch + $0 } }
    var gradOutput = GradientChecking.randomMatrix(rows: steps * batch, cols: hiddenSize, using: &rng)
    for t in 0..<steps {
      for b in Int(active[t])..<batch { for j in 0..<hiddenSize { gradOutput[t * batch + b, j] = 0 } }
    }
    func packed(_ m: Matrix) -> Matrix {
      real.map(Int32.init).withUnsafeBufferPointer { m.gatheringRows($0) }
    }
    func run(_ layout: StepLayout, _ x: Matrix, _ g: Matrix) -> (Matrix, Matrix, [Matrix], [RecurrentState]) {
      var cache = stack.makeCache()
      var states = stack.initialState(batch: batch)
      var r = SeededGenerator(seed: 1)
      let out = stack.forward(x, layout: layout, states: &states, cache: &cache, training: true, using: &r)
      for p in stack.parameters { p.zeroGradient() }
      let gradInput = stack.backward(g, cache: &cache)
      return (out, gradInput, stack.parameters.map(\.gradient), states)
    }
    let (denseOut, denseGradInput, denseGrads, _) = run(StepLayout(steps: steps, batch: batch), input, gradOutput)
    let (packedOut, packedGradInput, packedGrads, finalStates) = run(layout, packed(input), packed(gradOutput))
    #expect(packedOut.rows == layout.rows)
    for (x, y) in zip(packed(denseOut).storage, packedOut.storage) { #expect(abs(x - y) < 1e-6) }
    for (x, y) in zip(packed(denseGradInput).storage, packedGradInput.storage) { #expect(abs(x - y) < 1e-6) }
    for (full, mine) in zip(denseGrads, packedGrads) {
      for (x, y) in zip(full.storage, mine.storage) { #expect(abs(x - y) < 1e-5) }
    }
    // The final state: lane 0 from the last step, lanes 1 and 2 (ended earlier) zero.
    for state in finalStates {
      for j in 0..<hiddenSize {
        #expect(state.hidden[0, j] != 0)
        #expect(state.hidden[1, j] == 0 && state.hidden[2, j] == 0)
      }
    }
    #expect(finalStates[1].hidden.storage[0..<hiddenSize] == packedOut.storage[(8 * hiddenSize)...])
  }
}
