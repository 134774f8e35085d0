import Foundation
import NCECore
import Testing

@testable import NCEModel

/// A tiny index module (V = 7, E = H = 3), N = 4 contexts, targets with a repeat, and fixed
/// shared and per-row noise that repeat ids and hit targets.
struct IndexGRUFixture {
  static let vocabularySize = 7, size = 3
  let module: IndexGRUModule
  let contexts: Matrix
  let targets: [Int32] = [4, 1, 4, 6]
  let noise: NoiseDistribution
  let sharedNoise = NoiseDraw(shared: [1, 3, 5])
  let perRowNoise = NoiseDraw(perRow: [[2, 4, 2], [3, 0, 6], [1, 1, 5], [6, 2, 0]])

  init(seed: UInt64 = 11) {
    var rng = SeededGenerator(seed: seed)
    let embedding = Embedding(name: "embedding", vocabularySize: Self.vocabularySize, size: Self.size, using: &rng)
    embedding.weight.value = ParameterInitializer.uniform(
      rows: Self.vocabularySize, cols: Self.size, bound: 1, using: &rng)
    let cell = GRULayer(name: "rnn.0", inputSize: Self.size, hiddenSize: Self.size, using: &rng)
    module = IndexGRUModule(embedding: embedding, cell: cell, using: &rng)
    contexts = ParameterInitializer.uniform(rows: 4, cols: Self.size, bound: 1, using: &rng)
    noise = try! NoiseDistribution(weights: [5, 3, 2, 2, 1, 1, 1])
  }

  /// Every parameter the criterion writes gradients into.
  var parameters: [Parameter] { [module.embedding.weight] + module.cell.parameters + module.regressor.parameters }
}

/// An independent Double implementation of the index-GRU NCE loss, from PyTorch's GRU
/// equations: the reference for the loss value and for finite differences.
struct IndexGRUReference {
  /// Parameter values by name (the fixture's parameter names) plus "contexts".
  var values: [String: [Double]]
  let h: Int
  let vocabularySize: Int

  init(_ fixture: IndexGRUFixture) {
    var values: [String: [Double]] = [:]
    for p in fixture.parameters { values[p.name] = p.value.storage.map(Double.init) }
    values["contexts"] = fixture.contexts.storage.map(Double.init)
    self.values = values
    h = IndexGRUFixture.size
    vocabularySize = IndexGRUFixture.vocabularySize
  }

  /// `v · GRU(c_row, e_word) + b`.
  func score(row: Int, word: Int) -> Double {
    let emb = values["embedding.weight"]!
    let wih = values["rnn.0.weight_ih"]!
    let whh = values["rnn.0.weight_hh"]!
    let bih = values["rnn.0.bias_ih"]!
    let bhh = values["rnn.0.bias_hh"]!
    let v = values["index.regressor.weight"]!
    let b = values["index.regressor.bias"]![0]
    let c = values["contexts"]!
    func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    var gx = [Double](repeating: 0, count: 3 * h)
    var gh = [Double](repeating: 0, count: 3 * h)
    for g in 0..<(3 * h) {
      gx[g] = bih[g]
      gh[g] = bhh[g]
      for i in 0..<h {
        gx[g] += emb[word * h + i] * wih[i * 3 * h + g]
        gh[g] += c[row * h + i] * whh[i * 3 * h + g]
      }
    }
    var s = b
    for j in 0..<h {
      let r = sigmoid(gx[j] + gh[j])
      let z = sigmoid(gx[h + j] + gh[h + j])
      let n = Foundation.tanh(gx[2 * h + j] + r * gh[2 * h + j])
      s += v[j] * ((1 - z) * n + z * c[row * h + j])
    }
    return s
  }

  /// Σ over rows of the NCE loss with noise `ids` (`k = ids.count`), `ln q`, `lnZ`.
  func loss(targets: [Int32], noise ids: NoiseDraw, logNoise: [Float], normTerm: Double) -> Double {
    let k = ids.count
    let shift = normTerm + Foundation.log(Double(k))
    func softplus(_ x: Double) -> Double { max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x))) }
    var total = 0.0
    for (row, t) in targets.enumerated() {
      total += softplus(-(score(row: row, word: Int(t)) - shift - Double(logNoise[Int(t)])))
      for j in 0..<k {
        let w = Int(ids.ids[row * ids.rowStride + j])
        total += softplus(score(row: row, word: w) - shift - Double(logNoise[w]))
      }
    }
    return total
  }
}

/// The analytic gradients (Float) against central differences of the Double reference with
/// step 1e-5: truncation `O(h²)` ≈ 1e-10 and rounding ≈ 1e-16 · |loss| / h ≈ 1e-10, so the
/// numeric gradient is exact to ~1e-9. The analytic side carries Float rounding (~1e-7 per
/// operation) and the SIMD `tanh`/`sigmoid` (absolute error ~2e-7): about 1e-6 relative to
/// the gradient norm. A relative tolerance of 1e-4 per tensor leaves a 100x margin and still
/// catches any missing or wrong term (they give errors of order 1).
@Suite struct IndexGRUGradientTests {
  static let tolerance = 1e-4
  static let step = 1e-5
  static let scale: Float = 0.5
  static let normTerm: Float = 0.7

  @Test(arguments: [false, true])
  func gradientsMatchFiniteDifferencesOfDoubleReference(perRowNoise: Bool) {
    let fixture = IndexGRUFixture()
    let ids = perRowNoise ? fixture.perRowNoise : fixture.sharedNoise
    for p in fixture.parameters { p.zeroGradient() }
    var criterion = IndexGRUCriterion(
      module: fixture.module, noise: fixture.noise, noiseRatio: ids.count, normTerm: Self.normTerm)
    let (loss, gradContexts) = fixture.targets.withUnsafeBufferPointer {
      criterion.lossAndGradient(contexts: fixture.contexts, targets: $0, scale: Self.scale, noise: ids)
    }
    var reference = IndexGRUReference(fixture)
    let lnq = fixture.noise.logProbabilities
    let referenceLoss = reference.loss(
      targets: fixture.targets, noise: ids, logNoise: lnq, normTerm: Double(Self.normTerm))
    #expect(abs(loss - referenceLoss) <= 1e-5 * abs(referenceLoss), "loss \(loss) vs reference \(referenceLoss)")

    var analytic: [String: [Float]] = ["contexts": gradContexts.storage]
    for p in fixture.parameters { analytic[p.name] = p.gradient.storage }
    for (name, gradient) in analytic {
      let base = reference.values[name]!
      var numeric = [Float](repeating: 0, count: base.count)
      for i in base.indices {
        reference.values[name]![i] = base[i] + Self.step
        let plus = reference.loss(targets: fixture.targets, noise: ids, logNoise: lnq, normTerm: Double(Self.normTerm))
        reference.values[name]![i] = base[i] - Self.step
        let minus = reference.loss(targets: fixture.targets, noise: ids, logNoise: lnq, normTerm: Double(Self.normTerm))
        reference.values[name]![i] = base[i]
        numeric[i] = Float(Double(Self.scale) * (plus - minus) / (2 * Self.step))
      }
      let error = relativeError(gradient, numeric)
      #expect(error <= Self.tolerance, "\(name): relative error \(error)\nanalytic \(gradient)\nnumeric  \(numeric)")
    }
    // Row sparsity: only candidate words' embedding rows were touched.
    let touched = Set(fixture.module.embedding.weight.touchedRows.members)
    #expect(touched == Set(fixture.targets + ids.ids))
  }

  /// The scores the scorer reports are the reference scores.
  @Test func scoresMatchDoubleReference() {
    let fixture = IndexGRUFixture()
    let reference = IndexGRUReference(fixture)
    var workspace = IndexGRUWorkspace()
    let (target, noise) = fixture.targets.withUnsafeBufferPointer {
      workspace.scores(module: fixture.module, contexts: fixture.contexts, targets: $0, noise: fixture.perRowNoise)
    }
    for row in 0..<4 {
      #expect(abs(Double(target[row]) - reference.score(row: row, word: Int(fixture.targets[row]))) < 1e-5)
      for j in 0..<3 {
        let word = Int(fixture.perRowNoise.ids[row * 3 + j])
        #expect(abs(Double(noise.storage[row * 3 + j]) - reference.score(row: row, word: word)) < 1e-5)
      }
    }
  }
}
