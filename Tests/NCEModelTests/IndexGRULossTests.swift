import Foundation
import NCECore
import Testing

@testable import NCEModel

/// Closed forms on a hand-made case, and the structural facts taken from Pytorch-NCE.
@Suite struct IndexGRULossTests {
  /// H = E = 1; `W_ih = [0, 0, 1]` (only the candidate gate `n` reads the word), `W_hh = 0`,
  /// biases 0: `r = z = 1/2`, `n = tanh(e_w)`, `h' = (tanh(e_w) + c) / 2`, and with `v = 2`,
  /// `b = 1`: `s(w | c) = tanh(e_w) + c + 1`.
  @Test func lossEqualsClosedFormOnHandMadeCase() {
    var rng = SeededGenerator(seed: 1)
    let embedding = Embedding(name: "embedding", vocabularySize: 4, size: 1, using: &rng)
    let cell = GRULayer(name: "rnn.0", inputSize: 1, hiddenSize: 1, using: &rng)
    cell.inputWeight.value = Matrix(rows: 1, cols: 3, storage: [0, 0, 1])
    cell.recurrentWeight.value = Matrix(rows: 1, cols: 3)
    cell.inputBias.value = Matrix(rows: 1, cols: 3)
    cell.recurrentBias.value = Matrix(rows: 1, cols: 3)
    let module = IndexGRUModule(embedding: embedding, cell: cell, using: &rng)
    embedding.weight.value = Matrix(rows: 4, cols: 1, storage: [0, 0.5, -1, 2])
    module.regressor.weight.value = Matrix(rows: 1, cols: 1, storage: [2])
    module.regressor.bias.value = Matrix(rows: 1, cols: 1, storage: [1])
    let noise = try! NoiseDistribution(weights: [4, 2, 1, 1])
    let contexts = Matrix(rows: 2, cols: 1, storage: [0.4, -0.3])
    let targets: [Int32] = [2, 0]
    let lnZ: Float = 0.5
    var criterion = IndexGRUCriterion(module: module, noise: noise, noiseRatio: 2, normTerm: lnZ)
    let (loss, _) = targets.withUnsafeBufferPointer {
      criterion.lossAndGradient(contexts: contexts, targets: $0, scale: 1, noise: NoiseDraw(shared: [1, 3]))
    }

    let e = [0.0, 0.5, -1.0, 2.0]
    let q = [0.5, 0.25, 0.125, 0.125]
    let c = [0.4, -0.3]
    func s(_ w: Int, _ row: Int) -> Double { Foundation.tanh(e[w]) + c[row] + 1 }
    func logit(_ w: Int, _ row: Int) -> Double { s(w, row) - 0.5 - Foundation.log(2 * q[w]) }
    func softplus(_ x: Double) -> Double { Foundation.log(1 + Foundation.exp(x)) }
    var expected = 0.0
    for (row, t) in [2, 0].enumerated() {
      expected += softplus(-logit(t, row)) + softplus(logit(1, row)) + softplus(logit(3, row))
    }
    #expect(abs(loss - expected) <= 1e-5 * expected, "loss \(loss), closed form \(expected)")
    let scores = targets.withUnsafeBufferPointer { module.targetScores(contexts: contexts, targets: $0) }
    #expect(abs(Double(scores[0]) - s(2, 0)) < 1e-6 && abs(Double(scores[1]) - s(0, 1)) < 1e-6)
  }

  /// Pytorch-NCE scores the target by the GRU's own next output (`scorer(rnn_output[:, 1:])`)
  /// and noise by one GRU step from the previous output: one GRU does both. Here the module's
  /// target score after context `h_t` equals the regressor on the model's next state `h_{t+1}`.
  @Test func targetScoreIsRegressorOnModelsNextState() throws {
    let model = tinyIndexGRUModel(vocabularySize: 9, size: 5, dropout: 0)
    let module = try #require(model.indexModule)
    let inputs: [Int32] = [Vocabulary.bosID, 5, 7, 3]
    var states = model.initialState(batch: 1)
    var cache = model.makeCache()
    var rng = SeededGenerator(seed: 0)
    let hidden = model.forward(inputs: inputs, steps: 4, states: &states, cache: &cache, training: false, using: &rng)
    let contexts = hidden.rows(0..<3)
    let next = Array(inputs[1...])
    let scores = next.withUnsafeBufferPointer { module.targetScores(contexts: contexts, targets: $0) }
    let v = module.regressor.weight.value.storage
    let b = module.regressor.bias.value.storage[0]
    for t in 0..<3 {
      let direct = (0..<5).reduce(b) { $0 + v[$1] * hidden.storage[(t + 1) * 5 + $1] }
      #expect(abs(scores[t] - direct) < 1e-5, "position \(t): module \(scores[t]), regressor on next state \(direct)")
    }
  }

  @Test func configValidationNamesTheOptions() {
    func problem(_ change: (inout ModelConfig) -> Void) -> String? {
      var config = ModelConfig(vocabularySize: 10)
      config.indexModule = .gru
      config.loss = .nce
      config.cell = .gru
      config.layers = 1
      change(&config)
      do {
        try config.validate()
        return nil
      } catch {
        return "\(error)"
      }
    }
    #expect(problem { _ in } == nil)
    #expect(problem { $0.loss = .full }?.contains("--loss nce") == true)
    #expect(problem { $0.cell = .lstm }?.contains("--cell gru --nlayers 1") == true)
    #expect(problem { $0.layers = 2 }?.contains("--cell gru --nlayers 1") == true)
    #expect(problem { $0.embeddingSize = 100 }?.contains("--emsize equal to --nhid") == true)
    #expect(problem { $0.tieWeights = true }?.contains("--tie-weights") == true)
    #expect(
      problem {
        $0.indexModule = IndexModuleKind.none
        $0.loss = .full
      } == nil)
  }

  /// Headers written before the option existed decode with `indexModule == nil`.
  @Test func configDecodesWithoutIndexModule() throws {
    var config = ModelConfig(vocabularySize: 10)
    config.indexModule = .gru
    let json = try JSONEncoder().encode(config)
    var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    #expect(object["indexModule"] as? String == "gru")
    #expect(try JSONDecoder().decode(ModelConfig.self, from: json) == config)
    object.removeValue(forKey: "indexModule")
    let old = try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(old.indexModule == nil && !old.usesIndexGRU)
  }
}

/// A one-layer GRU model with the index module, `E = H = size`.
func tinyIndexGRUModel(vocabularySize: Int, size: Int, dropout: Float, noiseRatio: Int = 4, seed: UInt64 = 3)
  -> RNNLanguageModel
{
  var config = ModelConfig(vocabularySize: vocabularySize)
  config.embeddingSize = size
  config.hiddenSize = size
  config.layers = 1
  config.cell = .gru
  config.dropout = dropout
  config.loss = .nce
  config.noiseRatio = noiseRatio
  config.normTerm = Float(Foundation.log(Double(vocabularySize)))
  config.indexModule = .gru
  var rng = SeededGenerator(seed: seed)
  return RNNLanguageModel(config: config, using: &rng)
}
