import Foundation
import NCECore
import Testing

@testable import NCEModel

@Suite("Whole-model gradient against finite differences")
struct ModelGradientTests {
  @Test(arguments: [(CellType.lstm, false), (.gru, false), (.lstm, true)])
  func crossEntropyModel(cell: CellType, tie: Bool) {
    var config = ModelConfig(vocabularySize: 11)
    config.embeddingSize = 4
    config.hiddenSize = tie ? 4 : 5
    config.layers = 2
    config.cell = cell
    config.dropout = 0
    config.tieWeights = tie
    var rng = SeededGenerator(seed: 11)
    let model = RNNLanguageModel(config: config, using: &rng)
    let steps = 3
    let batch = 2
    let inputs: [Int32] = [1, 1, 4, 7, 9, 3]
    let targets: [Int32] = [4, 7, 9, 3, 2, 2]
    var criterion = CrossEntropyCriterion()

    func loss() -> Double {
      var cache = model.makeCache()
      var states = model.initialState(batch: batch)
      var r = SeededGenerator(seed: 2)
      let hidden = model.forward(
        inputs: inputs, steps: steps, states: &states, cache: &cache, training: true, using: &r)
      let (logProbs, _) = targets.withUnsafeBufferPointer {
        model.output.normalizedLogProbabilities(hidden, targets: $0)
      }
      return -logProbs.reduce(0.0) { $0 + Double($1) }
    }

    var cache = model.makeCache()
    var states = model.initialState(batch: batch)
    var r = SeededGenerator(seed: 2)
    let hidden = model.forward(inputs: inputs, steps: steps, states: &states, cache: &cache, training: true, using: &r)
    model.zeroGradients()
    let (summed, gradHidden) = targets.withUnsafeBufferPointer {
      criterion.lossAndGradient(hidden: hidden, targets: $0, output: model.output, scale: 1, using: &r)
    }
    #expect(abs(summed - loss()) < 1e-4 * abs(summed))
    model.backward(gradHidden, cache: &cache)
    for parameter in model.parameters { GradientChecking.check(parameter, loss: loss) }
  }

  @Test func crossEntropyClosedForm() {
    // One row, V = 4 (the minimum plus one word), hidden = 0: logits are the biases, so the
    // loss is -ln softmax(b)[t] and the bias gradient softmax(b) - onehot(t).
    var rng = SeededGenerator(seed: 1)
    let output = OutputLayer(name: "o", vocabularySize: 4, size: 2, using: &rng)
    output.bias.value.storage = [0, log(2), log(3), log(4)]
    var criterion = CrossEntropyCriterion()
    let hidden = Matrix(rows: 1, cols: 2)
    let (loss, _) = [Int32(2)].withUnsafeBufferPointer {
      criterion.lossAndGradient(hidden: hidden, targets: $0, output: output, scale: 1, using: &rng)
    }
    #expect(abs(loss - -log(3.0 / 10.0)) < 1e-6)
    let expected: [Float] = [0.1, 0.2, 0.3 - 1, 0.4]
    for (a, b) in zip(output.bias.gradient.storage, expected) { #expect(abs(a - b) < 1e-6) }
  }

  /// After a step's gradients end (`endGradient()`: dense ones stale, row-sparse rows
  /// forgotten, their storage full of NaN here), one backward pass through every layer kind
  /// (LSTM and GRU stacks, the projection, the output) must give bit for bit the gradients of a
  /// zeroed start: every writer overwrites or zeroes before adding.
  @Test(arguments: [CellType.lstm, .gru])
  func endedGradientsAreNeverRead(cell: CellType) {
    var config = ModelConfig(vocabularySize: 11)
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.layers = 2
    config.cell = cell
    config.dropout = 0
    let inputs: [Int32] = [1, 1, 4, 7, 9, 3]
    let targets: [Int32] = [4, 7, 9, 3, 2, 2]
    func gradients(endedFirst: Bool) -> [(name: String, gradient: Matrix, rows: [Int32])] {
      var rng = SeededGenerator(seed: 11)
      let model = RNNLanguageModel(config: config, using: &rng)
      if endedFirst {
        for parameter in model.parameters {
          parameter.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
          parameter.endGradient()
        }
      }
      var cache = model.makeCache()
      var states = model.initialState(batch: 2)
      var r = SeededGenerator(seed: 2)
      let hidden = model.forward(inputs: inputs, steps: 3, states: &states, cache: &cache, training: true, using: &r)
      var criterion = CrossEntropyCriterion()
      let (_, gradHidden) = targets.withUnsafeBufferPointer {
        criterion.lossAndGradient(hidden: hidden, targets: $0, output: model.output, scale: 1, using: &r)
      }
      model.backward(gradHidden, cache: &cache)
      return model.parameters.map { ($0.name, $0.gradient, $0.isRowSparse ? $0.touchedRows.members : []) }
    }
    let clean = gradients(endedFirst: false)
    let ended = gradients(endedFirst: true)
    #expect(clean.contains { $0.name.contains("projection") })
    for (a, b) in zip(clean, ended) {
      #expect(a.rows == b.rows, "\(a.name)")
      if a.rows.isEmpty {
        #expect(a.gradient == b.gradient, "\(a.name)")
      } else {
        for row in a.rows.map(Int.init) {
          for j in 0..<a.gradient.cols { #expect(a.gradient[row, j] == b.gradient[row, j], "\(a.name) [\(row), \(j)]") }
        }
      }
    }
  }
}
