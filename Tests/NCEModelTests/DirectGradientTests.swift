import NCECore
import Testing

@testable import NCEModel

@Suite("Direct-feature gradient")
struct DirectGradientTests {
  /// Random contributions `(index, coefficient)` for each worker: many repeats of few weights
  /// (as the unigram slice and shared noise give), many single touches, zero coefficients.
  static func contributions(workers: Int, tableSize: Int, count: Int, seed: UInt64) -> [[(Int, Float)]] {
    var rng = SeededGenerator(seed: seed)
    return (0..<workers).map { _ in
      (0..<count).map { _ in
        let index =
          rng.next() % 3 == 0 ? Int(rng.next() % 64) : Int(rng.next() % UInt64(tableSize))
        let coefficient: Float = rng.next() % 17 == 0 ? 0 : Float(rng.nextUniformDouble() - 0.5) * 1e-3
        return (index, coefficient)
      }
    }
  }

  /// What the dense per-worker gradients, their reduction and the plain SGD update computed:
  /// each worker's zero-initialised gradient accumulated in order, the workers' gradients added
  /// to worker 0's in worker order (only when there are several), then `w -= lr (g·1 + l2 w)`
  /// on every weight any worker touched.
  static func reference(
    _ workers: [[(Int, Float)]], weights start: [Float], learningRate lr: Float, l2: Float
  ) -> [Float] {
    var gradients = workers.map { _ in [Float](repeating: 0, count: start.count) }
    var touched = Set<Int>()
    for (w, list) in workers.enumerated() {
      for (index, coefficient) in list {
        gradients[w][index] += coefficient
        touched.insert(index)
      }
    }
    var total = gradients[0]
    for w in 1..<max(1, workers.count) {
      for i in total.indices { total[i] += gradients[w][i] }
    }
    var weights = start
    let scale: Float = 1
    for i in touched { weights[i] -= lr * (total[i] * scale + l2 * weights[i]) }
    return weights
  }

  /// The one-pass sum and update equals the dense reference bit for bit, for 1 to 3 workers
  /// and 1 to 9 threads (more than the table's ranges; the split must not change a value), and
  /// leaves every gradient empty.
  @Test(arguments: [(1, 1), (2, 1), (2, 2), (3, 2), (2, 3), (3, 8), (2, 9)])
  func theMergedUpdateEqualsDenseReductionAndSGD(_ workerCount: Int, _ threads: Int) {
    let tableSize = 200_003
    var rng = SeededGenerator(seed: 7)
    let start = (0..<tableSize).map { _ in Float(rng.nextUniformDouble() - 0.5) * 0.1 }
    for round in 0..<2 {
      let lists = Self.contributions(
        workers: workerCount, tableSize: tableSize, count: 40_000, seed: UInt64(100 + round))
      let gradients = (0..<workerCount).map { _ in DirectGradient(tableSize: tableSize) }
      for (w, list) in lists.enumerated() {
        for (index, coefficient) in list { gradients[w].add(coefficient, at: index) }
      }
      #expect(gradients[0].touched.count == Set(lists[0].map(\.0)).count)
      var weights = start
      weights.withUnsafeMutableBufferPointer {
        DirectGradient.applySGD(gradients, to: $0.baseAddress!, learningRate: 20, l2: 1e-3, threads: threads)
      }
      let expected = Self.reference(lists, weights: start, learningRate: 20, l2: 1e-3)
      let differing = zip(weights, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
      #expect(differing == 0, "\(differing) weights differ from the dense reference")
      #expect(weights != start)
      for gradient in gradients {
        #expect(gradient.touched.isEmpty)
        #expect(lists.joined().allSatisfy { gradient.value(at: $0.0) == 0 }, "a gradient was not reset")
      }
    }
  }

  /// Every weight of every table size falls in one of at most `maximumParts` ranges, and the
  /// touched list holds each touched weight once.
  @Test(arguments: [1, 2, 7, 8, 9, 64, 65, 1_000_003])
  func theRangesCoverTheTable(_ tableSize: Int) {
    let gradient = DirectGradient(tableSize: tableSize)
    #expect(gradient.partCount >= 1 && gradient.partCount <= DirectGradient.maximumParts)
    #expect((tableSize - 1) >> gradient.partShift == gradient.partCount - 1)
    let indices = Set([0, tableSize / 3, tableSize / 2, tableSize - 1])
    for index in indices { gradient.add(1, at: index) }
    gradient.add(1, at: tableSize - 1)
    #expect(gradient.touched.count == indices.count && Set(gradient.touched) == indices)
    #expect(gradient.value(at: tableSize - 1) == 2)
  }

  /// The gradient table (as large as the weights) is allocated by the first add: a model that
  /// is only scored (rnnlm-eval, rescoring) never holds one.
  @Test func theGradientTableIsAllocatedByTheFirstAdd() {
    let gradient = DirectGradient(tableSize: 1_000)
    #expect(!gradient.holdsTable)
    #expect(gradient.value(at: 7) == 0)
    gradient.reset()
    #expect(!gradient.holdsTable)
    gradient.add(0.5, at: 7)
    #expect(gradient.holdsTable)
    #expect(gradient.value(at: 7) == 0.5 && gradient.touched == [7])
  }

  /// Making a replica leaves every value of its model as it was, for every kind of model (a
  /// replica's layers are built on the model's values: an initialisation that wrote them, as
  /// the index GRU's N(0, 1) embedding does, would change the model).
  @Test(arguments: [0, 1, 2, 3])
  func makingAReplicaLeavesTheModelAsItWas(kind: Int) {
    var config = ModelConfig(vocabularySize: 30)
    config.embeddingSize = 6
    config.hiddenSize = kind == 1 ? 8 : 6
    switch kind {
    case 0:
      config.indexModule = .gru
      config.cell = .gru
      config.layers = 1
      config.loss = .nce
    case 1:
      config.cell = .lstm
      config.layers = 2
    case 2:
      config.tieWeights = true
      config.cell = .gru
    default: config.direct = DirectFeatureConfig(tableSize: 500, order: 2)
    }
    var rng = SeededGenerator(seed: 4)
    let model = RNNLanguageModel(config: config, using: &rng)
    let before = model.tensors
    let replica = RNNLanguageModel(replicaOf: model)
    #expect(model.tensors == before)
    #expect(replica.tensors == before)
  }

  /// A replica reads its model's table and every other value (no copies) and keeps gradients
  /// of its own.
  @Test(arguments: [false, true])
  func aReplicaSharesTheTableAndNotTheGradient(tiedWeights: Bool) {
    var config = ModelConfig(vocabularySize: 30)
    config.tieWeights = tiedWeights
    config.embeddingSize = 4
    config.hiddenSize = 4
    config.layers = 1
    config.direct = DirectFeatureConfig(tableSize: 500, order: 2)
    var rng = SeededGenerator(seed: 3)
    let model = RNNLanguageModel(config: config, using: &rng)
    let replica = RNNLanguageModel(replicaOf: model)
    #expect(replica.output.direct!.weight === model.output.direct!.weight)
    #expect(replica.output.direct!.gradient !== model.output.direct!.gradient)
    #expect(replica.tensors == model.tensors)
    for (copy, source) in zip(replica.parameters, model.parameters) where copy !== source {
      #expect(copy.sharesValues(with: source) && copy.gradient.count == source.gradient.count)
    }
    #expect(replica.parameters.filter { $0 !== model.output.direct!.weight }.count == model.parameters.count - 1)
    #expect((replica.output.weight === replica.embedding.weight) == tiedWeights)
    #expect(replica.parameters.map(\.name) == model.parameters.map(\.name))
    model.embedding.weight.value[3, 1] = 42
    #expect(replica.embedding.weight.value[3, 1] == 42)
    model.output.weight.value[4, 2] = 43
    #expect(replica.output.weight.value[4, 2] == 43)
    replica.embedding.weight.gradient[3, 1] = 1
    #expect(model.embedding.weight.gradient[3, 1] == 0)
    replica.output.direct!.gradient.add(1, at: 7)
    #expect(model.output.direct!.gradient.value(at: 7) == 0)
    #expect(replica.output.direct!.gradient.value(at: 7) == 1)
    replica.zeroGradients()
    #expect(replica.output.direct!.gradient.touched.isEmpty)
  }
}
