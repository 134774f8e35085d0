import NCECore
import Testing

@testable import NCEModel

/// The sampling criteria under test, each built fresh and run on fixed noise ids.
enum SampledCriterionKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case nce, sampledSoftmax, sampledSoftmaxKeepingHits, mix, selfContrast

  var testDescription: String { rawValue }

  /// Loss and hidden gradient of the criterion on `noise` (self-contrast ignores it).
  func evaluate(
    _ fixture: CriterionFixture, scale: Float, noise: NoiseDraw, normTerm: Float = 0.5
  ) -> (loss: Double, gradHidden: Matrix) {
    let targets = fixture.targets
    return targets.withUnsafeBufferPointer { t in
      switch self {
      case .nce:
        var c = NCECriterion(noise: fixture.noise, noiseRatio: noise.count, normTerm: normTerm)
        return c.lossAndGradient(hidden: fixture.hidden, targets: t, output: fixture.output, scale: scale, noise: noise)
      case .sampledSoftmax, .sampledSoftmaxKeepingHits:
        var c = SampledSoftmaxCriterion(
          noise: fixture.noise, k: noise.count, removeAccidentalHits: self == .sampledSoftmax)
        return c.lossAndGradient(hidden: fixture.hidden, targets: t, output: fixture.output, scale: scale, noise: noise)
      case .mix:
        var c = MixCriterion(noise: fixture.noise, noiseRatio: noise.count, normTerm: normTerm)
        return c.lossAndGradient(hidden: fixture.hidden, targets: t, output: fixture.output, scale: scale, noise: noise)
      case .selfContrast:
        var c = SelfContrastCriterion(noise: fixture.noise)
        var rng = SeededGenerator(seed: 0)
        return c.lossAndGradient(hidden: fixture.hidden, targets: t, output: fixture.output, scale: scale, using: &rng)
      }
    }
  }
}

/// A tiny output layer (V = 7, E = 4), N = 5 hidden rows with a repeated target, and fixed
/// shared and per-row noise that repeat ids and hit targets.
struct CriterionFixture {
  static let vocabularySize = 7, size = 4
  let output: OutputLayer
  var hidden: Matrix
  let targets: [Int32] = [0, 3, 1, 6, 3]
  let noise: NoiseDistribution
  // 20 shared ids: the vectorized NCE noise kernel runs one 16-wide block and a scalar tail.
  let sharedNoise = NoiseDraw(shared: [1, 3, 5, 1, 0, 2, 4, 6, 6, 5, 4, 3, 2, 1, 0, 1, 3, 5, 2, 2])
  let perRowNoise = NoiseDraw(perRow: [[2, 2, 5, 0], [3, 1, 4, 6], [1, 1, 1, 0], [5, 4, 6, 2], [0, 3, 6, 6]])

  init(seed: UInt64 = 7) {
    var rng = SeededGenerator(seed: seed)
    let v = Self.vocabularySize
    let e = Self.size
    output = OutputLayer(
      weight: Parameter(
        name: "w", value: ParameterInitializer.uniform(rows: v, cols: e, bound: 1, using: &rng), isRowSparse: true),
      bias: Parameter(
        name: "b", value: ParameterInitializer.uniform(rows: v, cols: 1, bound: 1, using: &rng), isRowSparse: true))
    hidden = ParameterInitializer.uniform(rows: 5, cols: e, bound: 1, using: &rng)
    noise = try! NoiseDistribution(weights: [5, 3, 2, 2, 1, 1, 1])
  }
}

/// `‖a - b‖ / ‖b‖`, in Double.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
  precondition(a.count == b.count)
  var diff = 0.0
  var norm = 0.0
  for (x, y) in zip(a, b) {
    diff += Double(x - y) * Double(x - y)
    norm += Double(y) * Double(y)
  }
  return (diff / max(norm, 1e-30)).squareRoot()
}

/// Central differences of the loss (accumulated in Double) with step 1e-2 in Float: the
/// truncation error is `O(h²)` ≈ 1e-4 of the curvature scale and the rounding error about
/// `1e-7 · |loss| / h` ≈ 1e-4 for losses near 10 (measured: below 1e-4 for every case), so a
/// relative error of 2e-3 on the whole gradient vector leaves a 20x margin while catching a
/// wrong term or a factor off by 1%.
@Suite struct CriterionGradientTests {
  static let step: Float = 1e-2
  static let tolerance = 2e-3
  static let scale: Float = 0.5

  static func numericGradient(
    count: Int, perturb: (Int, Float) -> Void, loss: () -> Double
  ) -> [Float] {
    (0..<count).map { index in
      perturb(index, step)
      let plus = loss()
      perturb(index, -2 * step)
      let minus = loss()
      perturb(index, step)
      return Float((plus - minus) / Double(2 * step)) * scale
    }
  }

  /// Every criterion with shared noise, and every one that draws noise with per-row noise too.
  static let cases: [(SampledCriterionKind, Bool)] =
    SampledCriterionKind.allCases.map { ($0, false) }
    + SampledCriterionKind.allCases.filter { $0 != .selfContrast }.map { ($0, true) }

  @Test(arguments: cases)
  func gradientsMatchFiniteDifferences(kind: SampledCriterionKind, perRow: Bool) {
    var fixture = CriterionFixture()
    let noise = perRow ? fixture.perRowNoise : fixture.sharedNoise
    let (_, gradHidden) = kind.evaluate(fixture, scale: Self.scale, noise: noise)
    let weightGradient = fixture.output.weight.gradient.storage
    let biasGradient = fixture.output.bias.gradient.storage
    let touched = Set(fixture.output.weight.touchedRows.members.map(Int.init))
    let biasTouched = Set(fixture.output.bias.touchedRows.members.map(Int.init))
    let e = CriterionFixture.size
    for row in 0..<CriterionFixture.vocabularySize where !touched.contains(row) {
      #expect(weightGradient[(row * e)..<((row + 1) * e)].allSatisfy { $0 == 0 }, "untouched row \(row) has gradient")
      #expect(biasGradient[row] == 0)
    }
    for row in biasTouched { #expect(touched.contains(row)) }
    let loss = { kind.evaluate(fixture, scale: Self.scale, noise: noise).loss }

    let numericHidden = Self.numericGradient(
      count: fixture.hidden.count, perturb: { fixture.hidden.storage[$0] += $1 }, loss: loss)
    #expect(relativeError(gradHidden.storage, numericHidden) < Self.tolerance)
    let weight = fixture.output.weight
    let numericWeight = Self.numericGradient(
      count: weight.value.count, perturb: { weight.value.storage[$0] += $1 }, loss: loss)
    #expect(relativeError(weightGradient, numericWeight) < Self.tolerance)
    let bias = fixture.output.bias
    let numericBias = Self.numericGradient(
      count: bias.value.count, perturb: { bias.value.storage[$0] += $1 }, loss: loss)
    #expect(relativeError(biasGradient, numericBias) < Self.tolerance)
  }

  /// Untouched rows of the output gradients may hold an earlier batch's values (NaN here): the
  /// backward pass must write or zero every row before adding to it, giving bit for bit the
  /// gradients of a zeroed start, and touch the same rows.
  @Test(arguments: cases)
  func staleGradientRowsAreNeverRead(kind: SampledCriterionKind, perRow: Bool) {
    let clean = CriterionFixture()
    let noise = perRow ? clean.perRowNoise : clean.sharedNoise
    _ = kind.evaluate(clean, scale: Self.scale, noise: noise)
    let stale = CriterionFixture()
    for parameter in [stale.output.weight, stale.output.bias] {
      parameter.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
    }
    _ = kind.evaluate(stale, scale: Self.scale, noise: noise)
    for (a, b) in [(clean.output.weight, stale.output.weight), (clean.output.bias, stale.output.bias)] {
      #expect(a.touchedRows.members == b.touchedRows.members)
      #expect(!b.touchedRows.members.isEmpty)
      for row in b.touchedRows.members.map(Int.init) {
        for j in 0..<a.gradient.cols { #expect(a.gradient[row, j] == b.gradient[row, j], "\(a.name) [\(row), \(j)]") }
      }
    }
  }

  /// The same for the full softmax (every output row) and for an embedding's rows.
  @Test func staleRowsAreNeverReadByTheFullSoftmaxOrTheEmbedding() {
    func run(_ fixture: CriterionFixture, _ embedding: Embedding) {
      var rng = SeededGenerator(seed: 0)
      var criterion = CrossEntropyCriterion()
      let (_, gradHidden) = fixture.targets.withUnsafeBufferPointer {
        criterion.lossAndGradient(
          hidden: fixture.hidden, targets: $0, output: fixture.output, direct: nil, scale: Self.scale, using: &rng)
      }
      fixture.targets.withUnsafeBufferPointer { embedding.backward(gradHidden, ids: $0) }
    }
    func embedding() -> Embedding {
      var rng = SeededGenerator(seed: 4)
      return Embedding(
        name: "e", vocabularySize: CriterionFixture.vocabularySize + 3, size: CriterionFixture.size, using: &rng)
    }
    let (clean, cleanEmbedding) = (CriterionFixture(), embedding())
    run(clean, cleanEmbedding)
    let (stale, staleEmbedding) = (CriterionFixture(), embedding())
    for parameter in [stale.output.weight, stale.output.bias, staleEmbedding.weight] {
      parameter.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
    }
    run(stale, staleEmbedding)
    #expect(clean.output.weight.gradient == stale.output.weight.gradient)
    #expect(clean.output.bias.gradient == stale.output.bias.gradient)
    #expect(staleEmbedding.weight.touchedRows.members == [0, 3, 1, 6])
    for row in [0, 1, 3, 6] {
      for j in 0..<CriterionFixture.size {
        #expect(cleanEmbedding.weight.gradient[row, j] == staleEmbedding.weight.gradient[row, j])
      }
    }
  }
}
