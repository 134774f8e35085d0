import Foundation
import NCECore
import Testing

@testable import NCEModel

/// The trainer's divergence handling: a non-finite loss rolls the epoch back to its starting
/// state, halves the learning rate and retries; after `maxDivergenceRetries` it stops with a
/// `TrainingError` and the last checkpoint stays loadable.
@Suite struct DivergenceTests {
  static let vocabulary = try! Vocabulary(
    words: Vocabulary.reservedWords + ["a", "b", "c", "d", "e"], counts: [0, 0, 24, 30, 20, 15, 10, 5],
    unknownTypeCount: nil)

  /// A tiny model, corpus and trainer (3 epochs of 6 batches); `threads` data-parallel
  /// workers, direct features with `direct`, concatenated text carrying the recurrent state
  /// with `concat`. `model` continues training a model (with `state` and `momentum`).
  static func makeTrainer(
    maxRetries: Int = 3, threads: Int = 1, direct: Bool = false, concat: Bool = false, epochs: Int = 3,
    model: RNNLanguageModel? = nil, state: TrainingState? = nil, momentum: [String: Matrix] = [:]
  ) throws -> Trainer {
    var config = ModelConfig(vocabularySize: vocabulary.count)
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.layers = 1
    config.dropout = 0
    if direct { config.direct = DirectFeatureConfig(tableSize: 64, order: 3) }
    var rng = SeededGenerator(seed: 9)
    let model = model ?? RNNLanguageModel(config: config, using: &rng)
    var sentences: [[Int32]] = []
    for i in 0..<24 { sentences.append((0..<(2 + i % 5)).map { Int32(3 + ($0 * 7 + i) % 5) }) }
    let train = Corpus(sentences: sentences)
    let valid = Corpus(sentences: Array(sentences.prefix(6)))
    var options = TrainingOptions()
    options.epochs = epochs
    options.batchSize = 4
    options.bptt = 4
    options.learningRate = 0.8
    options.maxDivergenceRetries = maxRetries
    options.seed = 4
    options.threads = threads
    options.concat = concat
    options.carryState = concat
    options.directLearningRate = 2
    return Trainer(
      model: model, criterion: try CriterionFactory.make(for: config, vocabulary: vocabulary), options: options,
      train: train, valid: valid, state: state, momentum: momentum)
  }

  /// The run of `nanMidEpochRollsBackHalvesTheRateAndTrainingFinishes` without the NaN: epoch 1
  /// at rate 0.8, then a new trainer (new workers) from its state with the rate halved.
  static func runHalvingAfterEpoch1(threads: Int, direct: Bool) throws -> [String: Matrix] {
    let first = try makeTrainer(threads: threads, direct: direct, epochs: 1)
    try first.run()
    var state = first.state
    state.learningRate /= 2
    let rest = try makeTrainer(
      threads: threads, direct: direct, model: first.model, state: state, momentum: first.optimizer.buffers)
    try rest.run()
    return rest.model.tensors
  }

  @Test(arguments: [(1, false), (2, false), (2, true)])
  func nanMidEpochRollsBackHalvesTheRateAndTrainingFinishes(threads: Int, direct: Bool) throws {
    let trainer = try Self.makeTrainer(threads: threads, direct: direct)
    var nanInjected = false
    trainer.lossPerturbation = { epoch, batch in
      // Batch 0 of epoch 2 updates the parameters, batch 2 then diverges once.
      guard epoch == 2 && batch == 2 && !nanInjected else { return 0 }
      nanInjected = true
      return .nan
    }
    var endOfEpoch: [Int: [String: Matrix]] = [:]
    trainer.checkpoint = { trainer, _ in endOfEpoch[trainer.state.epoch - 1] = trainer.model.tensors }
    var divergences: [(epoch: Int, batch: Int, rate: Float, retry: Int)] = []
    var restored: [String: Matrix] = [:]
    var restoredState: TrainingState?
    trainer.report = { event in
      if case .diverged(let epoch, let batch, let rate, let retry, _) = event {
        divergences.append((epoch, batch, rate, retry))
        restored = trainer.model.tensors
        restoredState = trainer.state
      }
    }
    try trainer.run()

    #expect(nanInjected)
    #expect(divergences.count == 1)
    #expect(divergences.first?.epoch == 2 && divergences.first?.batch == 2 && divergences.first?.retry == 1)
    #expect(divergences.first?.rate == 0.4)
    // After the restore the parameters are exactly those at the end of epoch 1, and the
    // state is that of the start of epoch 2 with the halved rate.
    #expect(restored == endOfEpoch[1])
    #expect(restoredState?.epoch == 2 && restoredState?.batchesDone == 0 && restoredState?.partialTokens == 0)
    #expect(restoredState?.learningRate == 0.4)
    // Training then ran to the end with finite losses; epoch 2 and later use the halved rate.
    #expect(trainer.isFinished)
    #expect(trainer.state.history.map(\.epoch) == [1, 2, 3])
    #expect(trainer.state.history.allSatisfy { $0.trainLoss.isFinite && ($0.validPerplexity ?? .nan).isFinite })
    #expect(trainer.state.history[0].learningRate == 0.8)
    #expect(trainer.state.history[1].learningRate == 0.4)
    #expect(trainer.model.parameters.allSatisfy { $0.value.storage.allSatisfy(\.isFinite) })
    #expect(endOfEpoch[3] == trainer.model.tensors)
    // Nothing of the diverged batch survives the rollback (the replicas' gradients, the direct
    // table's updates): the result is that of a run that halved the rate after epoch 1.
    let reference = try Self.runHalvingAfterEpoch1(threads: threads, direct: direct)
    #expect(trainer.model.tensors == reference)
    if direct { #expect(trainer.model.tensors["direct.weight"]?.storage.contains { $0 != 0 } == true) }
  }

  /// The trainer keeps its workers from one epoch to the next: the same model as a trainer
  /// started anew (new workers) for every epoch, with and without state carried across batches.
  @Test(arguments: [false, true])
  func workersKeptAcrossEpochsEqualNewWorkersEachEpoch(concat: Bool) throws {
    let whole = try Self.makeTrainer(threads: 2, direct: true, concat: concat)
    try whole.run()
    var model: RNNLanguageModel?
    var state: TrainingState?
    var momentum: [String: Matrix] = [:]
    for epoch in 1...3 {
      let trainer = try Self.makeTrainer(
        threads: 2, direct: true, concat: concat, epochs: epoch, model: model, state: state, momentum: momentum)
      try trainer.run()
      (model, state, momentum) = (trainer.model, trainer.state, trainer.optimizer.buffers)
    }
    #expect(state?.history.map(\.trainLoss) == whole.state.history.map(\.trainLoss))
    #expect(state?.history.map(\.validPerplexity) == whole.state.history.map(\.validPerplexity))
    #expect(state?.generatorState == whole.state.generatorState)
    #expect(model?.tensors == whole.model.tensors)
  }

  @Test func persistentNaNStopsWithTrainingErrorAndKeepsTheLastCheckpoint() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/model.mdl"
    let trainer = try Self.makeTrainer(maxRetries: 2)
    trainer.lossPerturbation = { epoch, batch in epoch == 2 && batch == 3 ? .infinity : 0 }
    var saved: [String: Matrix] = [:]
    trainer.checkpoint = { trainer, _ in
      try ModelFile(
        model: trainer.model, vocabulary: Self.vocabulary, options: trainer.options, state: trainer.state,
        momentum: trainer.optimizer.buffers
      ).write(to: path)
      saved = trainer.model.tensors
    }
    var retries: [Int] = []
    var rates: [Float] = []
    trainer.report = { event in
      if case .diverged(_, _, let rate, let retry, _) = event {
        retries.append(retry)
        rates.append(rate)
      }
    }
    let error = #expect(throws: TrainingError.self) { try trainer.run() }
    #expect(error?.message.contains("diverged in epoch 2 3 times") == true, "\(String(describing: error))")
    #expect(
      error?.message.hasSuffix(
        "(last: training loss inf at batch 4, learning rate 0.2); the last good checkpoint is kept") == true,
      "\(String(describing: error))")
    #expect(retries == [1, 2])
    #expect(rates == [0.4, 0.2])
    // The last good checkpoint (end of epoch 1) is intact and loadable.
    let file = try ModelFile.read(path: path)
    #expect(file.state?.epoch == 2)
    #expect(file.state?.history.count == 1)
    #expect(file.model.tensors == saved)
    #expect(file.model.parameters.allSatisfy { $0.value.storage.allSatisfy(\.isFinite) })
  }
}
