import Foundation
import NCECore
import Testing

@testable import NCEModel

/// Each criterion's loss against its textbook formula evaluated in Double on a hand-made case:
/// V = 3, E = 2, `q = (0.5, 0.3, 0.2)`, fixed noise with a repeat and an accidental hit.
@Suite struct CriterionLossTests {
  static let weight: [[Double]] = [[1, 0], [0, 1], [1, 1]]
  static let bias: [Double] = [0.1, -0.2, 0.3]
  static let q: [Double] = [0.5, 0.3, 0.2]
  static let hidden: [[Double]] = [[0.5, -1], [2, 0.25], [-0.5, 1.5]]
  static let targets: [Int32] = [2, 0, 2]
  static let noiseIds: [Int32] = [0, 1, 0, 2]
  static let normTerm = 1.0

  let output = OutputLayer(
    weight: Parameter(
      name: "w", value: Matrix(rows: 3, cols: 2, storage: weight.flatMap { $0.map(Float.init) }), isRowSparse: true),
    bias: Parameter(name: "b", value: Matrix(rows: 3, cols: 1, storage: bias.map(Float.init)), isRowSparse: true))
  let hiddenMatrix = Matrix(rows: 3, cols: 2, storage: hidden.flatMap { $0.map(Float.init) })
  let noise = try! NoiseDistribution(weights: q)

  static func score(_ row: Int, _ word: Int) -> Double {
    hidden[row][0] * weight[word][0] + hidden[row][1] * weight[word][1] + bias[word]
  }

  static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

  static var expectedNCE: Double { expectedNCE(noise: noiseIds) }

  static func expectedNCE(noise ids: [Int32]) -> Double {
    let k = Double(ids.count)
    var loss = 0.0
    for i in 0..<targets.count {
      let t = Int(targets[i])
      loss -= log(sigmoid(score(i, t) - normTerm - log(k * q[t])))
      for n in ids.map(Int.init) { loss -= log(1 - sigmoid(score(i, n) - normTerm - log(k * q[n]))) }
    }
    return loss
  }

  static func expectedSampledSoftmax(removeAccidentalHits: Bool) -> Double {
    var loss = 0.0
    for i in 0..<targets.count {
      let t = Int(targets[i])
      let z0 = score(i, t) - log(q[t])
      var sum = exp(z0)
      for n in noiseIds.map(Int.init) where !(removeAccidentalHits && n == t) { sum += exp(score(i, n) - log(q[n])) }
      loss += log(sum) - z0
    }
    return loss
  }

  static var expectedSelfContrast: Double {
    let distinct = [2, 0]  // the targets' words, each once
    let n = Double(targets.count)
    func logInclusion(_ w: Int) -> Double { log(1 - pow(1 - q[w], n)) }
    var loss = 0.0
    for i in 0..<targets.count {
      let t = Int(targets[i])
      let sum = distinct.reduce(0.0) { $0 + exp(score(i, $1) - logInclusion($1)) }
      loss += log(sum) - (score(i, t) - logInclusion(t))
    }
    return loss
  }

  static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-5 * max(1, abs(b)) }

  @Test func nceLossIsBinaryCrossEntropyAgainstScaledNoise() {
    var c = NCECriterion(noise: noise, noiseRatio: 4, normTerm: Float(Self.normTerm))
    let loss = Self.targets.withUnsafeBufferPointer {
      c.lossAndGradient(
        hidden: hiddenMatrix, targets: $0, output: output, scale: 1, noise: NoiseDraw(shared: Self.noiseIds)
      ).loss
    }
    #expect(Self.close(loss, Self.expectedNCE), "\(loss) vs \(Self.expectedNCE)")
  }

  /// k = 37: two 16-wide vector blocks and a scalar tail of the noise kernel.
  @Test func nceLossWithManyNoiseWords() {
    let ids: [Int32] = (0..<37).map { (i: Int) -> Int32 in Int32((i * 7 + i / 5) % 3) }
    var c = NCECriterion(noise: noise, noiseRatio: ids.count, normTerm: Float(Self.normTerm))
    let loss = Self.targets.withUnsafeBufferPointer {
      c.lossAndGradient(hidden: hiddenMatrix, targets: $0, output: output, scale: 1, noise: NoiseDraw(shared: ids)).loss
    }
    #expect(Self.close(loss, Self.expectedNCE(noise: ids)), "\(loss) vs \(Self.expectedNCE(noise: ids))")
  }

  @Test(arguments: [false, true])
  func sampledSoftmaxLossIsCrossEntropyOverCorrectedLogits(removeAccidentalHits: Bool) {
    var c = SampledSoftmaxCriterion(noise: noise, k: 4, removeAccidentalHits: removeAccidentalHits)
    let loss = Self.targets.withUnsafeBufferPointer {
      c.lossAndGradient(
        hidden: hiddenMatrix, targets: $0, output: output, scale: 1, noise: NoiseDraw(shared: Self.noiseIds)
      ).loss
    }
    let expected = Self.expectedSampledSoftmax(removeAccidentalHits: removeAccidentalHits)
    #expect(Self.close(loss, expected), "\(loss) vs \(expected)")
  }

  @Test func mixLossIsTheAverageOfNCEAndSampledSoftmax() {
    var c = MixCriterion(noise: noise, noiseRatio: 4, normTerm: Float(Self.normTerm), removeAccidentalHits: true)
    let loss = Self.targets.withUnsafeBufferPointer {
      c.lossAndGradient(
        hidden: hiddenMatrix, targets: $0, output: output, scale: 1, noise: NoiseDraw(shared: Self.noiseIds)
      ).loss
    }
    let expected = 0.5 * Self.expectedNCE + 0.5 * Self.expectedSampledSoftmax(removeAccidentalHits: true)
    #expect(Self.close(loss, expected), "\(loss) vs \(expected)")
  }

  @Test func selfContrastLossIsSoftmaxOverDistinctBatchTargets() {
    var c = SelfContrastCriterion(noise: noise)
    var rng = SeededGenerator(seed: 1)
    let loss = Self.targets.withUnsafeBufferPointer {
      c.lossAndGradient(hidden: hiddenMatrix, targets: $0, output: output, scale: 1, using: &rng).loss
    }
    #expect(Self.close(loss, Self.expectedSelfContrast), "\(loss) vs \(Self.expectedSelfContrast)")
  }

  /// With `W = 0` and the NCE bias initialisation, `P(D=1|w,h) = 1/(1+k)` for every word, so
  /// each row costs `ln(1+k) + k ln((1+k)/k)` whatever noise is drawn, batched or per word.
  @Test(arguments: [false, true])
  func nceStartsAtTheNoiseDistribution(perWordNoise: Bool) {
    let k = 25
    let lnZ: Float = 3
    let noise = try! NoiseDistribution(counts: [40, 20, 10, 5, 3, 1, 0, 7], power: 0.75)
    let output = OutputLayer(
      weight: Parameter(name: "w", value: Matrix(rows: 8, cols: 3), isRowSparse: true),
      bias: Parameter(name: "b", value: NCECriterion.initialBias(noise: noise, normTerm: lnZ), isRowSparse: true))
    var rng = SeededGenerator(seed: 3)
    let hidden = ParameterInitializer.uniform(rows: 6, cols: 3, bound: 1, using: &rng)
    let targets: [Int32] = [0, 6, 2, 7, 1, 0]
    var c = NCECriterion(noise: noise, noiseRatio: k, normTerm: lnZ, perWordNoise: perWordNoise)
    let loss = targets.withUnsafeBufferPointer {
      c.lossAndGradient(hidden: hidden, targets: $0, output: output, scale: 1, using: &rng).loss
    }
    let kd = Double(k)
    let expected = 6 * (log(1 + kd) + kd * log((1 + kd) / kd))
    #expect(abs(loss - expected) < 1e-4 * expected, "\(loss) vs \(expected)")
  }
}
