import NCECore
import Testing

@testable import NCEModel

/// Evaluation with the input projection table (rows of `embedding · W_ih` looked up) gives the
/// hidden vectors and final states of the multiplying forward pass, packed or dense.
@Suite struct InputProjectionTableTests {
  @Test(arguments: [(CellType.lstm, 1), (.lstm, 2), (.gru, 2)])
  func lookupEqualsTheMultiplyingPass(cell: CellType, layers: Int) {
    var config = ModelConfig(vocabularySize: 23)
    config.embeddingSize = 6
    config.hiddenSize = 7
    config.layers = layers
    config.cell = cell
    config.dropout = 0.3  // off at evaluation either way
    var rng = SeededGenerator(seed: 19)
    let model = RNNLanguageModel(config: config, using: &rng)
    let table = model.makeInputProjectionTable()
    #expect(table.rows == 23 && table.cols == (cell == .lstm ? 4 : 3) * 7)
    let layout = StepLayout(batch: 3, activeLanes: [3, 3, 2, 1])
    let inputs = (0..<layout.rows).map { _ in Int32(rng.nextInt(below: 23)) }
    func run(_ table: Matrix?) -> (Matrix, [RecurrentState]) {
      var cache = model.makeCache()
      cache.inputProjectionTable = table
      var states = model.initialState(batch: 3)
      var r = SeededGenerator(seed: 1)
      let hidden = model.forward(
        inputs: inputs, layout: layout, states: &states, cache: &cache, training: false, using: &r)
      return (hidden, states)
    }
    let (plain, plainStates) = run(nil)
    let (looked, lookedStates) = run(table)
    #expect(looked.rows == layout.rows && looked.cols == 6)
    for (x, y) in zip(plain.storage, looked.storage) { #expect(abs(x - y) <= 1e-5 * max(1, abs(x))) }
    for (a, b) in zip(plainStates, lookedStates) {
      for (x, y) in zip(a.hidden.storage + a.cell.storage, b.hidden.storage + b.cell.storage) {
        #expect(abs(x - y) <= 1e-5)
      }
    }
  }

  /// Scorers get the table once, and none when it would exceed the memory cap.
  @Test func cacheBuildsOnceWithinTheCap() {
    var rng = SeededGenerator(seed: 4)
    var config = ModelConfig(vocabularySize: 31)
    config.embeddingSize = 5
    config.hiddenSize = 6
    let model = RNNLanguageModel(config: config, using: &rng)
    let bytes = 31 * 4 * 6 * MemoryLayout<Float>.size
    let cache = InputProjectionCache(model: model, maximumBytes: bytes)
    let first = cache.table()
    #expect(first == model.makeInputProjectionTable())
    #expect(cache.table() == first)
    #expect(InputProjectionCache(model: model, maximumBytes: bytes - 1).table() == nil)
  }
}
