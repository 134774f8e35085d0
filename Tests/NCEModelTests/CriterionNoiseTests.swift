import FileIO
import Foundation
import NCECore
import Testing

@testable import NCEModel

/// How the criteria use their noise: accidental hits, batched versus per-word draws, and the
/// masking of duplicate targets in self-contrast.
@Suite struct CriterionNoiseTests {
  /// Loss, hidden gradient, and the output gradients of a fresh copy of the fixture.
  static func outcome(_ kind: SampledCriterionKind, noise: NoiseDraw) -> (Double, [Float], [Float], [Float]) {
    let fixture = CriterionFixture()
    let (loss, gradHidden) = kind.evaluate(fixture, scale: 1, noise: noise)
    return (loss, gradHidden.storage, fixture.output.weight.gradient.storage, fixture.output.bias.gradient.storage)
  }

  static func same(_ a: (Double, [Float], [Float], [Float]), _ b: (Double, [Float], [Float], [Float])) -> Bool {
    abs(a.0 - b.0) <= 1e-6 * abs(b.0) && relativeError(a.1, b.1) < 1e-5 && relativeError(a.2, b.2) < 1e-5
      && relativeError(a.3, b.3) < 1e-5
  }

  /// Row 1's target is 3: with removal, noise `[1, 3, 5, 1]` must act exactly like `[1, 5, 1]`
  /// for that row (checked on a one-row batch); keeping the hit adds a positive term.
  @Test func accidentalHitsAreMaskedOnlyWhenAsked() {
    let fixture = CriterionFixture()
    let hidden = fixture.hidden.rows(1..<2)
    let target: [Int32] = [3]
    func loss(remove: Bool, _ ids: [Int32]) -> (Double, [Float], [Float]) {
      let output = CriterionFixture().output
      var c = SampledSoftmaxCriterion(noise: fixture.noise, k: ids.count, removeAccidentalHits: remove)
      let (l, g) = target.withUnsafeBufferPointer {
        c.lossAndGradient(hidden: hidden, targets: $0, output: output, scale: 1, noise: NoiseDraw(shared: ids))
      }
      return (l, g.storage, output.weight.gradient.storage)
    }
    let masked = loss(remove: true, [1, 3, 5, 1])
    let without = loss(remove: true, [1, 5, 1])
    #expect(abs(masked.0 - without.0) < 1e-6)
    #expect(relativeError(masked.1, without.1) < 1e-5)
    #expect(relativeError(masked.2, without.2) < 1e-5)
    let kept = loss(remove: false, [1, 3, 5, 1])
    #expect(kept.0 > masked.0 + 1e-3)
  }

  /// The per-row path with every row given the shared ids computes what the batched GEMM path
  /// computes: same loss, hidden gradient, and output gradients (repeated ids accumulate).
  @Test(arguments: [SampledCriterionKind.nce, .sampledSoftmax, .sampledSoftmaxKeepingHits, .mix])
  func perRowPathAgreesWithBatchedPathOnEqualNoise(kind: SampledCriterionKind) {
    let shared: [Int32] = [1, 3, 5, 1]
    let batched = Self.outcome(kind, noise: NoiseDraw(shared: shared))
    let perRow = Self.outcome(kind, noise: NoiseDraw(perRow: Array(repeating: shared, count: 5)))
    #expect(Self.same(batched, perRow))
  }

  /// Batched drawing yields `k` ids for the whole batch; per-word drawing `k` fresh ids per row,
  /// so rows differ; both follow `q` (the most likely word is drawn most often).
  @Test func batchedDrawIsSharedAndPerWordDrawIsFreshPerRow() {
    let noise = try! NoiseDistribution(weights: [50, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    var rng = SeededGenerator(seed: 11)
    var draw = NoiseDraw()
    draw.draw(from: noise, count: 40, rows: 30, perRow: false, using: &rng)
    #expect(draw.ids.count == 40 && draw.count == 40 && !draw.isPerRow)
    draw.draw(from: noise, count: 40, rows: 30, perRow: true, using: &rng)
    #expect(draw.ids.count == 1200 && draw.count == 40 && draw.rowStride == 40)
    let rows = (0..<30).map { Array(draw.ids[($0 * 40)..<($0 * 40 + 40)]) }
    #expect(Set(rows).count == 30)
    let zeros = draw.ids.filter { $0 == 0 }.count
    #expect(abs(Double(zeros) / 1200 - 50.0 / 59) < 0.05)
  }

  /// Batched NCE shares one draw: with `N` copies of one row, every row sees the same noise and
  /// has the same loss. Per-word NCE gives the copies different losses.
  @Test(arguments: [false, true])
  func batchedNoiseIsSharedAcrossRows(perWordNoise: Bool) {
    let fixture = CriterionFixture()
    let row = fixture.hidden.rows(0..<1)
    let hidden = Matrix(rows: 4, cols: row.cols, storage: Array([[Float]](repeating: row.storage, count: 4).joined()))
    var c = NCECriterion(noise: fixture.noise, noiseRatio: 3, normTerm: 0, perWordNoise: perWordNoise)
    var rng = SeededGenerator(seed: 5)
    let targets: [Int32] = [2, 2, 2, 2]
    let (_, gradHidden) = targets.withUnsafeBufferPointer {
      c.lossAndGradient(hidden: hidden, targets: $0, output: fixture.output, scale: 1, using: &rng)
    }
    let rows = (0..<4).map { Array(gradHidden.storage[($0 * row.cols)..<(($0 + 1) * row.cols)]) }
    #expect((Set(rows).count == 1) == !perWordNoise)
  }

  /// Self-contrast: a batch whose targets are all one word has no negative (the other rows'
  /// copies of the target are masked), so zero loss and zero gradient.
  @Test func selfContrastMasksDuplicatesOfTheTarget() {
    let fixture = CriterionFixture()
    var c = SelfContrastCriterion(noise: fixture.noise)
    var rng = SeededGenerator(seed: 0)
    let same: [Int32] = [4, 4, 4, 4, 4]
    let (loss, gradHidden) = same.withUnsafeBufferPointer {
      c.lossAndGradient(hidden: fixture.hidden, targets: $0, output: fixture.output, scale: 1, using: &rng)
    }
    #expect(loss == 0)
    #expect(gradHidden.storage.allSatisfy { $0 == 0 })
    #expect(fixture.output.weight.gradient.storage.allSatisfy { $0 == 0 })
  }

  /// The noise distribution follows `--noise-power`, gives every word a finite `ln q`, and
  /// refuses a zero probability (NCE's `ln(k q(w))` and the bias initialisation need it).
  @Test func noiseDistributionFromCounts() throws {
    let noise = try NoiseDistribution(counts: [8, 2, 0], power: 0.5)
    #expect(noise.vocabularySize == 3)
    #expect(abs(noise.probability(of: 0) / noise.probability(of: 1) - 2) < 1e-9)
    #expect(noise.logProbabilities.allSatisfy { $0.isFinite })
    #expect(abs(Double(noise.logProbabilities[0]) - log(noise.probability(of: 0))) < 1e-6)
    #expect(throws: InputError.self) { try NoiseDistribution(counts: [8, 2, 0], power: 1, floor: 0) }
    #expect(throws: InputError.self) { try NoiseDistribution(weights: [1, 0]) }
  }
}
