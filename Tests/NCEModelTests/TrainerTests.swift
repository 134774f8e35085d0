import NCECore
import Testing

@testable import NCEModel

@Suite("Trainer")
struct TrainerTests {
  static let vocabulary = try! Vocabulary(
    words: Vocabulary.reservedWords + ["a", "b", "c", "d", "e", "f"], counts: [0, 0, 40, 30, 25, 20, 15, 10, 5],
    unknownTypeCount: nil)

  /// A tiny corpus with structure to learn: "a b c", "d e f", ... repeated.
  static func corpus(_ count: Int) -> Corpus {
    let patterns: [[Int32]] = [[3, 4, 5], [6, 7, 8], [3, 4], [6, 7, 8, 3]]
    return Corpus(sentences: (0..<count).map { patterns[$0 % patterns.count] })
  }

  static func makeTrainer(
    loss: LossKind = .full, threads: Int = 1, dropout: Float = 0.1, epochs: Int = 3, learningRate: Float = 0.5
  ) throws -> Trainer {
    var config = ModelConfig(vocabularySize: vocabulary.count)
    config.embeddingSize = 8
    config.hiddenSize = 8
    config.layers = 1
    config.dropout = dropout
    config.loss = loss
    config.noiseRatio = 4
    config.normTerm = 1
    var options = TrainingOptions()
    options.epochs = epochs
    options.batchSize = 4
    options.bptt = 5
    options.threads = threads
    options.learningRate = learningRate
    var rng = SeededGenerator(seed: 9)
    let model = RNNLanguageModel(config: config, using: &rng)
    try CriterionFactory.initializeOutputBias(of: model, vocabulary: vocabulary)
    return Trainer(
      model: model, criterion: try CriterionFactory.make(for: config, vocabulary: vocabulary), options: options,
      train: corpus(64), valid: corpus(8))
  }

  /// Also with several workers: the lane split and each worker's random stream depend on the
  /// batch and the seed only, never on scheduling.
  @Test(arguments: [LossKind.full, .nce], [1, 2, 3])
  func sameSeedSameLossCurveBitForBit(loss: LossKind, threads: Int) throws {
    let first = try Self.makeTrainer(loss: loss, threads: threads)
    try first.run()
    let second = try Self.makeTrainer(loss: loss, threads: threads)
    try second.run()
    #expect(first.state.history.map(\.trainLoss) == second.state.history.map(\.trainLoss))
    #expect(first.state.history.map(\.validPerplexity) == second.state.history.map(\.validPerplexity))
    #expect(first.model.tensors == second.model.tensors)
  }

  /// The epoch snapshot (for divergence rollback) is a copy kept apart from the model: the
  /// updates write the weights where they are, epoch after epoch, instead of copying every
  /// matrix away from a shared snapshot at each epoch's first update.
  @Test(arguments: [1, 2])
  func epochsUpdateTheWeightsInPlace(threads: Int) throws {
    let trainer = try Self.makeTrainer(loss: .nce, threads: threads, epochs: 3)
    #expect(trainer.options.maxDivergenceRetries > 0)
    func addresses() -> [String: UnsafeRawPointer?] {
      Dictionary(
        uniqueKeysWithValues: trainer.model.parameters.map { p in
          (p.name, p.value.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) })
        })
    }
    let start = addresses()
    // Copies, not shared storage (sharing would itself make the first update copy).
    let initial = trainer.model.parameters.map { $0.value.storage.map { $0 } }
    var atEpochEnds: [[String: UnsafeRawPointer?]] = []
    trainer.report = { event in if case .epochFinished = event { atEpochEnds.append(addresses()) } }
    try trainer.run()
    #expect(atEpochEnds.count == 3)
    for (epoch, seen) in atEpochEnds.enumerated() { #expect(seen == start, "epoch \(epoch + 1)") }
    #expect(trainer.model.parameters.map(\.value.storage) != initial)
  }

  /// `refill` copies (never shares) and reuses the matrices it already holds.
  @Test func snapshotStoreCopiesAndIsRefilledInPlace() {
    var store: [String: Matrix] = ["gone": Matrix(rows: 1, cols: 1)]
    var source = [
      "a": Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6]), "b": Matrix(rows: 1, cols: 2, storage: [7, 8]),
    ]
    Trainer.refill(&store, from: source)
    #expect(store == source)
    let addressOfA = store["a"]!.withUnsafeBufferPointer { $0.baseAddress }
    #expect(addressOfA != source["a"]!.withUnsafeBufferPointer { $0.baseAddress })
    source["a"]![1, 2] = -1
    #expect(store["a"]![1, 2] == 6)
    source["b"] = Matrix(rows: 2, cols: 1, storage: [9, 10])
    Trainer.refill(&store, from: source)
    #expect(store == source)
    #expect(store["a"]!.withUnsafeBufferPointer { $0.baseAddress } == addressOfA)
  }

  @Test func trainingLowersValidationPerplexity() throws {
    let trainer = try Self.makeTrainer(dropout: 0, epochs: 10, learningRate: 2)
    try trainer.run()
    let ppl = trainer.state.history.compactMap(\.validPerplexity)
    #expect(ppl.count == 10)
    // The corpus is nearly deterministic: a trained model must be far better than uniform (V = 9).
    #expect(ppl.last! < 4)
    #expect(ppl.last! < ppl.first!)
  }

  @Test(arguments: [2, 3])
  func workersSumToTheSingleWorkerGradient(threads: Int) throws {
    // Without dropout, splitting a batch's lanes (of 3 to 5 tokens, balanced by token count) over
    // replicas must give the same loss and summed gradient as one worker (up to float rounding).
    let single = try Self.makeTrainer(threads: 1, dropout: 0, epochs: 1)
    let double = try Self.makeTrainer(threads: threads, dropout: 0, epochs: 1)
    var rng = SeededGenerator(seed: 5)
    let batch = try SentenceBatcher(corpus: Self.corpus(16), batchSize: 8, bptt: 5).batches(
      shuffle: true, using: &rng)[0]
    #expect(Set(batch.laneTokenCounts).count > 1)
    let (lossSingle, normSingle) = single.gradientForTesting(batch)
    let (lossDouble, normDouble) = double.gradientForTesting(batch)
    #expect(abs(lossSingle - lossDouble) < 1e-5 * abs(lossSingle))
    // The reduction's fused norm is the norm of the summed gradient.
    let summed = double.model.parameters.reduce(0.0) { $0 + $1.gradientSquaredNorm }
    #expect(abs(normDouble - summed) <= 1e-6 * summed && abs(normSingle - normDouble) <= 1e-4 * normSingle)
    for (a, b) in zip(single.model.parameters, double.model.parameters) {
      for (x, y) in zip(a.gradient.storage, b.gradient.storage) {
        #expect(abs(x - y) <= 1e-5 + 1e-4 * abs(x), "\(a.name)")
      }
    }
  }

  @Test func learningRateDecaysWhenValidationDoesNotImprove() throws {
    let trainer = try Self.makeTrainer(epochs: 12)
    try trainer.run()
    let history = trainer.state.history
    let valid = history.map { $0.validPerplexity! }
    for j in 0..<(history.count - 1) {
      let worse = j > 0 && valid[j] >= valid[0..<j].min()!
      #expect(
        history[j + 1].learningRate == (worse ? history[j].learningRate / 2 : history[j].learningRate), "epoch \(j + 2)"
      )
    }
  }
}

extension Trainer {
  /// The summed gradient of one batch in `model`'s parameters (test hook around `trainStep`).
  func gradientForTesting(_ batch: Batch) -> (loss: Double, squaredNorm: Double) {
    var generator = SeededGenerator(seed: 1)
    model.zeroGradients()
    return trainStepForTesting(batch, generator: &generator)
  }
}
