import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NCEModel

/// Direct n-gram features: the documented hash, the gradient of every criterion with respect to
/// the table, exact normalized scoring against a naive loop, model files and training.
@Suite struct DirectFeatureTests {
  /// The hash of docs/direct-features.md, written out independently of `DirectFeatures`.
  static func documentedBase(_ history: [Int32], order o: Int, tableSize: Int, vocabularySize: Int) -> Int {
    func mix(_ x: UInt64) -> UInt64 {
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var key = UInt64(o) &* 0x9E37_79B9_7F4A_7C15
    for j in 0..<o {
      let word = history[j] == Vocabulary.eosID ? Vocabulary.bosID : history[j]
      key = mix(key &+ UInt64(word) &+ 1)
    }
    return Int(key % UInt64(tableSize - vocabularySize + 1))
  }

  /// The features of `<s> 5 6 7 </s>` with order 3: the unigram slice at 0, the bigram of the
  /// input word, the trigram of the last two words; at the first word only `<s>` is history.
  @Test func theFeaturesOfASentenceAreTheDocumentedHash() {
    let v = 10
    let size = 1000
    let features = DirectFeatures(config: DirectFeatureConfig(tableSize: size, order: 3), vocabularySize: v)
    let sentence: [Int32] = [5, 6, 7]
    let inputs = [Vocabulary.bosID] + sentence
    let targets = sentence + [Vocabulary.eosID]
    var rows = DirectRows(for: features)
    for t in 0..<inputs.count { rows.append(history: Array(inputs[0...t].reversed())) }
    for t in 0..<inputs.count {
      let history = Array(inputs[0...t].reversed())
      #expect(features.featureIndex(row: t, order: 0, word: targets[t], in: rows) == Int(targets[t]))
      for o in 1..<3 {
        let expected =
          o <= history.count
          ? Self.documentedBase(history, order: o, tableSize: size, vocabularySize: v) + Int(targets[t]) : nil
        #expect(features.featureIndex(row: t, order: o, word: targets[t], in: rows) == expected, "t \(t) order \(o)")
      }
    }
    // A history stops at a sentence boundary, and </s> hashes as <s>.
    var bounded = DirectRows(for: features)
    bounded.append(history: [4, Vocabulary.eosID, 9])
    bounded.append(history: [4, Vocabulary.bosID])
    #expect(bounded.bases[0..<3] == bounded.bases[3..<6])
    #expect(
      bounded.bases[2] == Self.documentedBase([4, Vocabulary.bosID], order: 2, tableSize: size, vocabularySize: v))
    var short = DirectRows(for: features)
    short.append(history: [Vocabulary.bosID])
    #expect(short.bases[2] == -1)
  }

  /// The batch path reads histories along lanes (time-major) and gives the same rows.
  @Test func batchRowsFollowTheLanes() {
    let features = DirectFeatures(config: DirectFeatureConfig(tableSize: 500, order: 4), vocabularySize: 10)
    // Two lanes: <s> 5 6 7 and <s> 8 (then padding).
    let eos = Vocabulary.eosID
    let batch = Batch(
      steps: 4, batchSize: 2, inputs: [1, 1, 5, 8, 6, eos, 7, eos], targets: [5, 8, 6, eos, 7, eos, eos, eos],
      mask: [1, 1, 1, 1, 1, 0, 1, 0], resetsState: true)
    var fromBatch = DirectRows(for: features)
    fromBatch.append(realPositionsOf: batch)
    var expected = DirectRows(for: features)
    for history: [Int32] in [[1], [1], [5, 1], [8, 1], [6, 5, 1], [7, 6, 5, 1]] { expected.append(history: history) }
    #expect(fromBatch.bases == expected.bases)
  }

  enum Kind: String, CaseIterable, Sendable { case full, nce, sampled, mix, selfContrast, ncePerRow }

  /// A fixture whose output layer has direct features (table 40, order 3) with random weights.
  static func fixture() -> (CriterionFixture, OutputLayer, DirectRows) {
    let base = CriterionFixture()
    let features = DirectFeatures(
      config: DirectFeatureConfig(tableSize: 40, order: 3), vocabularySize: CriterionFixture.vocabularySize)
    var rng = SeededGenerator(seed: 99)
    features.weight.value = ParameterInitializer.uniform(rows: 40, cols: 1, bound: 0.5, using: &rng)
    let output = OutputLayer(weight: base.output.weight, bias: base.output.bias, direct: features)
    var rows = DirectRows(for: features)
    for history: [Int32] in [[1], [3, 1], [6, 3, 1], [2, 4], [5, 1]] { rows.append(history: history) }
    return (base, output, rows)
  }

  static func evaluate(_ kind: Kind, _ fixture: CriterionFixture, _ output: OutputLayer, _ rows: DirectRows) -> Double {
    fixture.targets.withUnsafeBufferPointer { t in
      var rng = SeededGenerator(seed: 0)
      switch kind {
      case .full:
        var c = CrossEntropyCriterion()
        return c.lossAndGradient(
          hidden: fixture.hidden, targets: t, output: output, direct: rows, scale: 1, using: &rng
        )
        .loss
      case .nce, .ncePerRow:
        let noise = kind == .nce ? fixture.sharedNoise : fixture.perRowNoise
        var c = NCECriterion(noise: fixture.noise, noiseRatio: noise.count, normTerm: 0.5)
        return c.lossAndGradient(
          hidden: fixture.hidden, targets: t, output: output, scale: 1, noise: noise, direct: rows
        ).loss
      case .sampled:
        var c = SampledSoftmaxCriterion(noise: fixture.noise, k: fixture.sharedNoise.count)
        return c.lossAndGradient(
          hidden: fixture.hidden, targets: t, output: output, scale: 1, noise: fixture.sharedNoise, direct: rows
        ).loss
      case .mix:
        var c = MixCriterion(noise: fixture.noise, noiseRatio: fixture.perRowNoise.count, normTerm: 0.5)
        return c.lossAndGradient(
          hidden: fixture.hidden, targets: t, output: output, scale: 1, noise: fixture.perRowNoise, direct: rows
        ).loss
      case .selfContrast:
        var c = SelfContrastCriterion(noise: fixture.noise)
        return c.lossAndGradient(
          hidden: fixture.hidden, targets: t, output: output, direct: rows, scale: 1, using: &rng
        )
        .loss
      }
    }
  }

  /// Finite differences of the loss against the analytic gradient of every table weight; the
  /// weights no feature of the batch uses have zero gradient and are not touched.
  @Test(arguments: Kind.allCases)
  func directGradientsMatchFiniteDifferences(_ kind: Kind) {
    let (fixture, output, rows) = Self.fixture()
    let direct = output.direct!
    _ = Self.evaluate(kind, fixture, output, rows)
    let touched = Set(direct.gradient.touched)
    #expect(!touched.isEmpty)
    #expect(touched.count == direct.gradient.touched.count, "a weight is listed twice")
    let analytic = (0..<direct.tableSize).map { direct.gradient.value(at: $0) }
    for index in 0..<direct.tableSize {
      if !touched.contains(index) {
        #expect(analytic[index] == 0, "weight \(index) untouched but has gradient")
        continue
      }
      let numeric = GradientChecking.numericGradient(
        at: direct.weight.value.storage[index], set: { direct.weight.value.storage[index] = $0 },
        loss: {
          direct.gradient.reset()
          return Self.evaluate(kind, fixture, output, rows)
        })
      GradientChecking.expectClose(Double(analytic[index]), numeric, "\(kind) direct[\(index)]")
    }
  }

  /// Normalized log-probabilities with direct features equal a naive loop over all V words in Double.
  @Test func normalizedScoringEqualsANaiveLoopOverTheVocabulary() {
    let (fixture, output, rows) = Self.fixture()
    let direct = output.direct!
    let (logProbabilities, _) = fixture.targets.withUnsafeBufferPointer {
      output.normalizedLogProbabilities(fixture.hidden, targets: $0, direct: rows)
    }
    let v = CriterionFixture.vocabularySize
    let e = CriterionFixture.size
    for i in 0..<fixture.targets.count {
      var scores = [Double](repeating: 0, count: v)
      for w in 0..<v {
        var s = Double(output.bias.value[w, 0])
        for c in 0..<e { s += Double(fixture.hidden[i, c]) * Double(output.weight.value[w, c]) }
        for o in 0..<direct.order {
          if let index = direct.featureIndex(row: i, order: o, word: Int32(w), in: rows) {
            s += Double(direct.weight.value.storage[index])
          }
        }
        scores[w] = s
      }
      let maximum = scores.max()!
      let lse = maximum + Foundation.log(scores.reduce(0) { $0 + Foundation.exp($1 - maximum) })
      let expected = scores[Int(fixture.targets[i])] - lse
      #expect(abs(Double(logProbabilities[i]) - expected) < 1e-5, "row \(i)")
      // The unnormalized target score is the same sum.
      let unnormalized = fixture.targets.withUnsafeBufferPointer {
        output.targetScores(fixture.hidden, targets: $0, direct: rows)
      }
      #expect(abs(Double(unnormalized[i]) - scores[Int(fixture.targets[i])]) < 1e-5)
    }
  }

  /// A training request with direct features over the small texts of `TrainingSessionTests`.
  static func request(_ directory: String, loss: LossKind = .nce, threads: Int = 1) -> TrainingRequest {
    var request = TrainingSessionTests.request(directory)
    request.model.loss = loss
    request.model.noiseRatio = 5
    request.model.direct = DirectFeatureConfig(tableSize: 5000, order: 3)
    request.options.threads = threads
    request.options.directLearningRate = 2
    return request
  }

  /// Training moves the direct weights and lowers the loss; two runs with 2 workers and the
  /// same seed give bit-identical models; the file round-trips with the features (version 2).
  @Test(arguments: [LossKind.full, .nce, .sampled, .mix, .self])
  func trainingIsDeterministicWithTwoWorkersAndTheFileRoundTrips(_ loss: LossKind) throws {
    var models: [[String: Matrix]] = []
    for _ in 0..<2 {
      let directory = try TrainingSessionTests.dataDirectory()
      defer { removeTree(directory) }
      var request = Self.request(directory, loss: loss, threads: 2)
      request.epochs = 2
      _ = try TrainingSession.prepare(request).run()
      let file = try ModelFile.read(path: directory + "/m.mdl")
      #expect(file.model.config.direct == request.model.direct)
      let table = file.model.output.direct!.weight.value.storage
      #expect(table.contains { $0 != 0 }, "the direct weights did not move")
      let bytes = FileManager.default.contents(atPath: directory + "/m.mdl")!
      #expect(bytes[8] == 2, "a model with direct features is a version-2 file")
      models.append(file.model.tensors)
    }
    #expect(models[0] == models[1])
  }

  /// A model without direct features is written as version 1, and a version-1 file (as the
  /// previous release wrote it) reads back with the same weights.
  @Test func filesWithoutDirectFeaturesStayVersionOneAndOldFilesRead() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    var config = ModelConfig(vocabularySize: 10)
    config.embeddingSize = 4
    config.hiddenSize = 4
    config.layers = 1
    var rng = SeededGenerator(seed: 5)
    let model = RNNLanguageModel(config: config, using: &rng)
    let vocabulary = try Vocabulary(
      words: Vocabulary.reservedWords + (0..<7).map { "w\($0)" }, counts: [Int](repeating: 1, count: 10),
      unknownTypeCount: nil)
    let path = directory + "/old.mdl"
    try ModelFile(model: model, vocabulary: vocabulary).write(to: path)
    #expect(FileManager.default.contents(atPath: path)![8] == 1)
    // The previous release's writer: the same payload with version 1 and a header without `direct`.
    let payload = try ModelFileContainer.read(path: path)
    #expect(!String(decoding: payload.configJSON, as: UTF8.self).contains("direct"))
    try ModelFileContainer.write(payload, to: path, version: 1)
    let read = try ModelFile.read(path: path)
    #expect(read.model.config.direct == nil && read.model.output.direct == nil)
    #expect(read.model.tensors == model.tensors)
  }

  /// Checkpoint defects of the direct table are refused with the tensor named.
  @Test(arguments: [
    ("shape", "tensor 'direct.weight' is 4999x1, which does not match the header"),
    ("missing", "the model file lacks tensor 'direct.weight'"),
    ("nan", "tensor 'direct.weight' holds a non-finite value (nan) at row 3, column 0"),
    ("order", "--direct-order must be in 1...8, got 0"),
  ])
  func directTableDefectsAreRefused(_ kind: String, _ message: String) throws {
    let directory = try TrainingSessionTests.dataDirectory()
    defer { removeTree(directory) }
    _ = try TrainingSession.prepare(Self.request(directory)).run()
    let path = directory + "/m.mdl"
    try CheckpointMutationTests.rewrite(path) { payload in
      switch kind {
      case "shape": payload.tensors["direct.weight"] = Matrix(rows: 4999, cols: 1)
      case "missing": payload.tensors["direct.weight"] = nil
      case "nan": payload.tensors["direct.weight"]!.storage[3] = .nan
      default:
        payload.configJSON = Array(
          String(decoding: payload.configJSON, as: UTF8.self).replacingOccurrences(
            of: "\"order\":3", with: "\"order\":0"
          )
          .utf8)
      }
    }
    let error = #expect(throws: InputError.self) { try ModelFile.read(path: path) }
    #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
  }

  /// `--resume` with other direct settings is refused, naming the option.
  @Test func resumeRefusesOtherDirectSettings() throws {
    let directory = try TrainingSessionTests.dataDirectory()
    defer { removeTree(directory) }
    var polls = 0
    _ = try TrainingSession.prepare(Self.request(directory)).run(shouldStop: {
      polls += 1
      return polls >= 3
    })
    var request = Self.request(directory)
    request.resume = true
    request.model.direct = DirectFeatureConfig(tableSize: 5000, order: 4)
    request.givenOptions = ["direct", "direct-order"]
    let error = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(error?.message.contains("--direct-order 4 differs from 3") == true, "\(String(describing: error))")
    request.model.direct = DirectFeatureConfig(tableSize: 5000, order: 3)
    request.options.directL2 = 0.5
    request.givenOptions = ["direct", "direct-order", "direct-l2"]
    let l2 = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(l2?.message.contains("--direct-l2 0.5 differs from 1e-06") == true, "\(String(describing: l2))")
  }

  /// The index module has no output score to add the features to: refused.
  @Test func theIndexModuleRefusesDirectFeatures() {
    var config = ModelConfig(vocabularySize: 10)
    config.cell = .gru
    config.layers = 1
    config.loss = .nce
    config.indexModule = .gru
    config.direct = DirectFeatureConfig(tableSize: 100, order: 2)
    #expect(throws: ModelConfigError.self) { try config.validate() }
  }
}
