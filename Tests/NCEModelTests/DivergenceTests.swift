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

  /// A tiny model, corpus and trainer (3 epochs of 6 batches).
  static func makeTrainer(maxRetries: Int = 3) throws -> Trainer {
    var config = ModelConfig(vocabularySize: vocabulary.count)
    config.embeddingSize = 4
    config.hiddenSize = 5
    config.layers = 1
    config.dropout = 0
    var rng = SeededGenerator(seed: 9)
    let model = RNNLanguageModel(config: config, using: &rng)
    var sentences: [[Int32]] = []
    for i in 0..<24 { sentences.append((0..<(2 + i % 5)).map { Int32(3 + ($0 * 7 + i) % 5) }) }
    let train = Corpus(sentences: sentences)
    let valid = Corpus(sentences: Array(sentences.prefix(6)))
    var options = TrainingOptions()
    options.epochs = 3
    options.batchSize = 4
    options.bptt = 4
    options.learningRate = 0.8
    options.maxDivergenceRetries = maxRetries
    options.seed = 4
    return Trainer(
      model: model, criterion: try CriterionFactory.make(for: config, vocabulary: vocabulary), options: options,
      train: train, valid: valid)
  }

  @Test func nanMidEpochRollsBackHalvesTheRateAndTrainingFinishes() throws {
    let trainer = try Self.makeTrainer()
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
