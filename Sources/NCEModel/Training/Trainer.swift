import Foundation
import NCECore

/// Trains an `RNNLanguageModel` with a `TrainingCriterion` by SGD, as Pytorch-NCE does:
/// mean loss per real token, gradient-norm clipping, learning rate divided by
/// `learningRateDecay` whenever validation perplexity (for index-module models, whose perplexity
/// is undefined: the mean unnormalized validation cost per token) does not improve.
///
/// Deterministic: one generator, seeded by `options.seed`, drives batch order, dropout and
/// noise; its state is part of `TrainingState`, so `--resume` continues bit for bit.
public final class Trainer {
  public let model: RNNLanguageModel
  /// The criterion each worker starts from (workers keep their own copies and scratch space).
  public let criterion: any TrainingCriterion
  public let options: TrainingOptions
  public private(set) var state: TrainingState
  public let optimizer: SGDOptimizer
  let train: Corpus
  let valid: Corpus?

  /// Called after every epoch (and on interruption) to persist progress; `isBest` tells
  /// whether the model is the one to keep as the result: the best validation figure so far at
  /// the end of an epoch; without a validation text always; on interruption only while no
  /// epoch has been completed (the run then still leaves a usable model).
  public var checkpoint: (_ trainer: Trainer, _ isBest: Bool) throws -> Void = { _, _ in }
  /// Receives progress events.
  public var report: (TrainingEvent) -> Void = { _ in }
  /// Polled after each batch; returning true ends training after saving (SIGINT, SIGTERM).
  public var shouldStop: () -> Bool = { false }
  /// Test hook: returns a value to add to the loss of (epoch, batch), e.g. NaN.
  public var lossPerturbation: ((Int, Int) -> Double)?
  /// Whether a checkpoint of this run exists: it was resumed from one, or `checkpoint` has
  /// returned once (what a divergence message may promise).
  public private(set) var hasCheckpoint: Bool

  public init(
    model: RNNLanguageModel, criterion: any TrainingCriterion, options: TrainingOptions,
    train: Corpus, valid: Corpus?, state: TrainingState? = nil, momentum: [String: Matrix] = [:]
  ) {
    self.model = model
    self.criterion = criterion
    self.options = options
    self.train = train
    self.valid = valid
    self.state = state ?? TrainingState(options: options)
    hasCheckpoint = state != nil
    optimizer = SGDOptimizer(weightDecay: options.weightDecay, momentum: options.momentum)
    if let direct = model.output.direct {
      optimizer.plainRules[direct.weight.name] = SGDOptimizer.PlainRule(
        learningRateFactor: options.directLearningRate / options.learningRate,
        weightDecay: options.directL2)
    }
    optimizer.restore(buffers: momentum)
    if let direct = model.output.direct {
      // Lookups and updates hit the whole table at random: huge pages spare a TLB miss each.
      _ = direct.weight.value.withUnsafeMutableBufferPointer { HugePages.advise($0, collapse: true) }
    }
  }

  public var isFinished: Bool { state.epoch > options.epochs }

  /// Batches of one epoch over the training text.
  public func batchesPerEpoch() throws -> Int {
    options.concat
      ? try ConcatBatcher(corpus: train, batchSize: options.batchSize, bptt: options.bptt).batchCount
      : try SentenceBatcher(
        corpus: train, batchSize: options.batchSize, bptt: options.bptt, bucketByLength: options.bucketByLength
      ).batchCount
  }

  /// Runs the remaining epochs. Returns normally when all epochs are done or `shouldStop`
  /// asked to stop.
  public func run() throws {
    // Allocated now rather than inside the first epoch's clock (at its first update).
    optimizer.prepare(model.parameters)
    // The recurrent steps' kernel is timed once per process; here, not in the first step.
    _ = SmallGEMM.kernel
    while !isFinished {
      let snapshot = takeSnapshot()
      var retries = 0
      while true {
        let outcome = try trainEpoch()
        switch outcome {
        case .completed:
          break
        case .stoppedAfterCheckpoint:
          return
        case .interrupted:
          try saveCheckpoint(isBest: valid == nil || state.history.isEmpty)
          return
        case .diverged(let batch, let cause):
          retries += 1
          guard retries <= options.maxDivergenceRetries else {
            let kept =
              hasCheckpoint
              ? "the last good checkpoint is kept" : "nothing was saved (no epoch was completed): try a lower --lr"
            throw TrainingError(
              message:
                "training diverged in epoch \(state.epoch) \(retries) times (last: \(cause) \(cause.isValidation ? "at the end of the epoch" : "at batch \(batch + 1)"), learning rate \(state.learningRate)); \(kept)"
            )
          }
          // `retries <= maxDivergenceRetries` with at least one retry: a snapshot was taken.
          restore(snapshot!)
          state.learningRate /= 2
          report(
            .diverged(
              epoch: state.epoch, batch: batch, newLearningRate: state.learningRate, retry: retries, cause: cause))
          continue
        }
        break
      }
    }
  }

  enum EpochOutcome {
    /// `stoppedAfterCheckpoint`: asked to stop at the end of an epoch, already saved.
    case completed, interrupted, stoppedAfterCheckpoint
    case diverged(batch: Int, cause: DivergenceCause)
  }

  private func saveCheckpoint(isBest: Bool) throws {
    try checkpoint(self, isBest)
    hasCheckpoint = true
  }

  /// What a diverged epoch is retried from: the state at its start; the tensors and optimizer
  /// buffers are in `tensorsAtEpochStart` and `buffersAtEpochStart`.
  private struct EpochSnapshot {
    var state: TrainingState
  }

  /// The tensors and optimizer buffers at the start of the epoch, copied into matrices kept
  /// from epoch to epoch and refilled in place. A snapshot sharing the model's storage made the
  /// first update of every epoch copy each weight matrix and momentum buffer into fresh pages
  /// (35 MB and 8,000 page faults for the 1x200 GRU at V = 10,000, a twentieth of a
  /// 1,500-sentence epoch); the copy is now made before the epoch's clock starts.
  private var tensorsAtEpochStart: [String: Matrix] = [:]
  private var buffersAtEpochStart: [String: Matrix] = [:]

  /// The direct table at the start of the epoch, kept apart from `tensorsAtEpochStart` (it is
  /// a parameter whose gradient is outside it); likewise allocated once and refilled in place.
  private var directTableAtEpochStart: [Float] = []

  private func takeSnapshot() -> EpochSnapshot? {
    guard options.maxDivergenceRetries > 0 else { return nil }
    var tensors: [String: Matrix] = [:]
    for p in model.parameters where !p.gradientOutside { tensors[p.name] = p.value }
    Self.refill(&tensorsAtEpochStart, from: tensors)
    Self.refill(&buffersAtEpochStart, from: optimizer.buffers)
    if let table = model.output.direct?.weight.value {
      if directTableAtEpochStart.count != table.count {
        directTableAtEpochStart = [Float](repeating: 0, count: table.count)
      }
      directTableAtEpochStart.withUnsafeMutableBufferPointer { copy in
        table.withUnsafeBufferPointer { _ = copy.update(fromContentsOf: $0) }
      }
    }
    return EpochSnapshot(state: state)
  }

  /// Makes `store` hold copies of `source`'s matrices (and only those), writing in place
  /// where a matrix of the same shape is already there: never sharing storage with `source`.
  static func refill(_ store: inout [String: Matrix], from source: [String: Matrix]) {
    store = store.filter { source[$0.key] != nil }
    for (name, matrix) in source {
      let fits = store[name].map { $0.rows == matrix.rows && $0.cols == matrix.cols } ?? false
      if !fits { store[name] = Matrix(rows: matrix.rows, cols: matrix.cols) }
      matrix.withUnsafeBufferPointer { from in
        store[name]!.withUnsafeMutableBufferPointer { to in _ = to.update(fromContentsOf: from) }
      }
    }
  }

  private func restore(_ snapshot: EpochSnapshot) {
    for p in model.parameters where !p.gradientOutside {
      tensorsAtEpochStart[p.name]!.withUnsafeBufferPointer { saved in
        p.value.withUnsafeMutableBufferPointer { value in _ = value.update(fromContentsOf: saved) }
      }
    }
    if let direct = model.output.direct {
      direct.weight.value.withUnsafeMutableBufferPointer { table in
        directTableAtEpochStart.withUnsafeBufferPointer { _ = table.update(fromContentsOf: $0) }
      }
    }
    // The optimizer gets copies, so that refilling the store in place next epoch copies nothing.
    var buffers: [String: Matrix] = [:]
    Self.refill(&buffers, from: buffersAtEpochStart)
    optimizer.restore(buffers: buffers)
    let lr = state.learningRate
    state = snapshot.state
    state.learningRate = lr
    // The replicas hold the diverged batch's gradients.
    cachedWorkers = nil
  }

  private func trainEpoch() throws -> EpochOutcome {
    var epochGenerator = SeededGenerator(state: state.epochGeneratorState)
    var generator = SeededGenerator(state: state.generatorState)
    let batches = try makeBatches(using: &epochGenerator)
    // A state from a file is checked against this text: resuming past its end would read
    // batches that do not exist.
    guard state.batchesDone <= batches.count else {
      throw TrainingError(
        message:
          "the state says \(state.batchesDone) batches of epoch \(state.epoch) are done, but the training text gives \(batches.count) batches per epoch"
      )
    }
    // The replicas (made once, before the clock: their gradients are fresh pages).
    let workers = epochWorkers()
    let start = Date()
    var lossSum = state.partialLoss
    var tokens = state.partialTokens
    var sessionTokens = 0
    model.zeroGradients()
    let firstIndex = state.batchesDone
    for index in firstIndex..<batches.count {
      let batch = batches[index]
      var (loss, squaredNorm) = trainStep(batch, workers: workers, generator: &generator)
      if let perturb = lossPerturbation { loss += perturb(state.epoch, index) }
      let norm = squaredNorm.squareRoot()
      guard loss.isFinite && norm.isFinite else {
        model.zeroGradients()
        return .diverged(batch: index, cause: loss.isFinite ? .gradient(norm) : .loss(loss))
      }
      KernelProfile.measure(.update, threads: workers.count) {
        optimizer.step(
          model.parameters, learningRate: state.learningRate,
          gradientScale: SGDOptimizer.clipFactor(norm: norm, maxNorm: options.clip),
          directGradients: workers.compactMap { $0.model.output.direct?.gradient }, threads: workers.count,
          endingGradients: true)
      }
      lossSum += loss
      tokens += batch.tokenCount
      sessionTokens += batch.tokenCount
      state.batchesDone = index + 1
      state.generatorState = generator.stateWords
      state.partialLoss = lossSum
      state.partialTokens = tokens
      let elapsed = Date().timeIntervalSince(start)
      // Every batch: the reporter shows progress by time (TrainingReport).
      let rate = Double(sessionTokens) / max(elapsed, 1e-9)
      let left = Double(batches.count - index - 1) * elapsed / Double(index + 1 - firstIndex)
      report(
        .progress(
          epoch: state.epoch, batch: index + 1, batches: batches.count, learningRate: state.learningRate,
          loss: lossSum / Double(max(tokens, 1)), tokensPerSecond: rate, secondsLeft: left))
      if shouldStop() && index + 1 < batches.count {
        let validPerplexity = try validate().perplexity
        report(.interrupted(epoch: state.epoch, batch: index + 1, validPerplexity: validPerplexity))
        return .interrupted
      }
    }
    optimizer.flush(model.parameters, learningRate: state.learningRate)
    let seconds = Date().timeIntervalSince(start)
    let (validPerplexity, validCost) = try validate()
    // A finite loss can still drive the model where validation overflows (`--lr 1e6`): that
    // is divergence too, and it must not become the best model.
    if let ppl = validPerplexity, !ppl.isFinite {
      return .diverged(batch: batches.count - 1, cause: .validationPerplexity(ppl))
    }
    if let cost = validCost, !cost.isFinite { return .diverged(batch: batches.count - 1, cause: .validationCost(cost)) }
    if !lossSum.isFinite { return .diverged(batch: batches.count - 1, cause: .loss(lossSum)) }
    let record = EpochRecord(
      epoch: state.epoch, learningRate: state.learningRate, trainLoss: lossSum / Double(max(tokens, 1)),
      validPerplexity: validPerplexity, seconds: seconds, tokensPerSecond: Double(sessionTokens) / max(seconds, 1e-9),
      validUnnormalizedCost: validCost)
    var isBest = true
    if let ppl = validPerplexity {
      isBest = Self.improves(ppl, best: &state.bestValidPerplexity)
    } else if let cost = validCost {
      isBest = Self.improves(cost, best: &state.bestValidUnnormalizedCost)
    }
    if !isBest { state.learningRate /= options.learningRateDecay }
    state.history.append(record)
    state.epoch += 1
    state.batchesDone = 0
    state.partialLoss = 0
    state.partialTokens = 0
    state.epochGeneratorState = epochGenerator.stateWords
    state.generatorState = generator.stateWords
    report(.epochFinished(record))
    try saveCheckpoint(isBest: isBest)
    return shouldStop() ? .stoppedAfterCheckpoint : .completed
  }

  /// Worker 0 trains `model` itself; with `threads > 1` each further worker trains a replica
  /// on its share of the batch's lanes (data parallelism: every GEMM stays single-threaded,
  /// which beats multi-threaded BLAS on the small per-step recurrent products).
  private func makeWorkers() -> [TrainingWorker] {
    let main = TrainingWorker(model: model, criterion: criterion)
    guard options.threads > 1 else { return [main] }
    let replicas = (1..<options.threads).map { _ in
      let replica = RNNLanguageModel(replicaOf: model)
      return TrainingWorker(model: replica, criterion: criterion.forReplica(replica))
    }
    return [main] + replicas
  }

  /// The workers of the previous epoch (their replicas read the model's values), or new ones.
  /// Making a replica of a model with direct features costs a gradient table as large as the
  /// weights, written once over (hundreds of MB): once per run, not once per epoch. A completed
  /// epoch leaves every replica gradient ended (`Parameter.endGradient()`); a diverged one drops
  /// the workers. The recurrent states they carry need no reset: an epoch's first batch always
  /// starts from zero states (`resetsState`).
  private var cachedWorkers: [TrainingWorker]?

  private func epochWorkers() -> [TrainingWorker] {
    if let workers = cachedWorkers { return workers }
    let workers = makeWorkers()
    cachedWorkers = workers
    return workers
  }

  /// Gradients of one batch summed into `model`'s parameters; returns the summed loss and the
  /// squared L2 norm of the gradient. Lanes are dealt out by `Batch.balancedShares` (equal real
  /// token counts, so neither worker waits long for the other), a function of the batch alone,
  /// so results depend on the thread count but not on scheduling.
  private func trainStep(_ batch: Batch, workers: [TrainingWorker], generator: inout SeededGenerator) -> (
    loss: Double, squaredNorm: Double
  ) {
    let scale = 1 / Float(max(batch.tokenCount, 1))
    let count = min(workers.count, batch.batchSize)
    if count == 1 {
      let loss = workers[0].process(batch, carryState: options.carryState, scale: scale, using: &generator)
      return (
        loss,
        KernelProfile.measure(.update) {
          // The direct table's gradient is outside its parameter (empty here): never clipped.
          model.parameters.reduce(0.0) { $0 + $1.gradientSquaredNorm }
        }
      )
    }
    let shares = batch.balancedShares(workers: count)
    var generators = [generator] + (1..<count).map { _ in SeededGenerator(seed: generator.next()) }
    var losses = [Double](repeating: 0, count: count)
    let savedThreads = BLAS.threads
    BLAS.threads = 1
    generators.withUnsafeMutableBufferPointer { gens in
      losses.withUnsafeMutableBufferPointer { out in
        KernelProfile.parallelWorkers(count) { w in
          out[w] = workers[w].process(shares[w], carryState: options.carryState, scale: scale, using: &gens[w])
        }
      }
    }
    BLAS.threads = savedThreads
    generator = generators[0]
    let squaredNorm = KernelProfile.measure(.update, threads: workers.count) {
      GradientReduction.sum(workers[1..<count].map(\.model), into: model, threads: workers.count)
    }
    return (losses.reduce(0, +), squaredNorm)
  }

  /// One `trainStep` with fresh workers, for tests.
  func trainStepForTesting(_ batch: Batch, generator: inout SeededGenerator) -> (loss: Double, squaredNorm: Double) {
    trainStep(batch, workers: makeWorkers(), generator: &generator)
  }

  /// The validation figures: normalized perplexity, or for a model without normalized scores
  /// (GRU index module) the mean unnormalized cost per token; `(nil, nil)` without `valid`.
  private func validate() throws -> (perplexity: Double?, unnormalizedCost: Double?) {
    guard let valid else { return (nil, nil) }
    if model.hasNormalizedScores {
      return (try Evaluation.perplexity(model: model, corpus: valid, threads: options.threads), nil)
    }
    return (nil, Evaluation.meanUnnormalizedCost(model: model, corpus: valid, threads: options.threads))
  }

  /// Records `value` as the best when it is lower than `best` (or there is none yet).
  private static func improves(_ value: Double, best: inout Double?) -> Bool {
    if let current = best, value >= current { return false }
    best = value
    return true
  }

  private func makeBatches(using generator: inout SeededGenerator) throws -> [Batch] {
    if options.concat {
      return try ConcatBatcher(corpus: train, batchSize: options.batchSize, bptt: options.bptt).batches()
    }
    return try SentenceBatcher(
      corpus: train, batchSize: options.batchSize, bptt: options.bptt, bucketByLength: options.bucketByLength
    ).batches(shuffle: true, using: &generator)
  }
}
