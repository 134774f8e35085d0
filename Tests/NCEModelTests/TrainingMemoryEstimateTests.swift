import Testing

@testable import NCEModel

/// The lower bound that refuses impossible training options, against a count by hand.
@Suite struct TrainingMemoryEstimateTests {
  @Test func parametersAndBytesByHand() {
    var config = ModelConfig(vocabularySize: 100)
    config.embeddingSize = 10
    config.hiddenSize = 20
    config.layers = 2
    config.loss = .nce
    config.noiseRatio = 50
    var options = TrainingOptions()
    options.batchSize = 4
    options.threads = 2
    // 3 sentences, 9 words: 12 predicted tokens, 4 per sentence.
    let train = Corpus(sentences: [[4, 5, 6], [7, 8], [9, 10, 11, 12]])
    let estimate = TrainingMemoryEstimate(config: config, options: options, train: train)
    // Embedding 100x10, LSTM layers 4*20*(10+20) and 4*20*(20+20), output 100x20 + 100.
    let parameters = 1_000.0 + 2_400 + 3_200 + 2_000 + 100
    #expect(estimate.parameters == parameters)
    // Weights, gradients, momentum, one replica's gradients (it reads the model's weights), the
    // epoch-start copies of weights and momentum (divergence rollback); rows = min(12, 4 streams
    // x 4 tokens) = 12, each with 50 noise scores and 2 layers x 80 gates.
    #expect(estimate.bytes == 4 * (parameters * 6 + 12 * (50 + 160)))
    #expect(throws: Never.self) { try estimate.check(available: estimate.bytes) }
    var direct = config
    direct.direct = DirectFeatureConfig(tableSize: 1_000_000, order: 3)
    let withDirect = TrainingMemoryEstimate(config: direct, options: options, train: train)
    #expect(withDirect.parameters == parameters + 1_000_000)
    // One shared table, one gradient per worker (2 workers) and the epoch-start copy that a
    // divergence rolls back to (none without retries).
    #expect(withDirect.bytes == estimate.bytes + 4 * 1_000_000 * 4)
    var noRetries = options
    noRetries.maxDivergenceRetries = 0
    #expect(
      TrainingMemoryEstimate(config: direct, options: noRetries, train: train).bytes
        == estimate.bytes - 4 * parameters * 2 + 4 * 1_000_000 * 3)
    let error = #expect(throws: ModelConfigError.self) { try estimate.check(available: estimate.bytes - 1) }
    #expect(
      error?.message.contains("reduce --nhid, --emsize, --batch-size, --noise-ratio, --direct or --threads") == true)

    config.loss = .full
    config.tieWeights = true
    config.embeddingSize = 20
    options.concat = true
    options.bptt = 2
    options.threads = 1
    let tied = TrainingMemoryEstimate(config: config, options: options, train: train)
    let tiedParameters = 2_000.0 + 4 * 20 * 40 * 2 + 100
    #expect(tied.parameters == tiedParameters)
    // Concatenated streams: 4 x bptt 2 = 8 rows of 100 logits.
    #expect(tied.bytes == 4 * (tiedParameters * 5 + 8 * (100 + 160)))
  }
}
