import FileIO
import NCECore

/// The noise distribution `q(w)` of the sampling criteria (NCE, sampled softmax, mix, and the
/// correction of self-contrast): an O(1) alias sampler plus `ln q(w)` for every word.
///
/// Every word has `q(w) > 0`, so `ln q(w)` is finite: NCE's `ln(k q(w))` and the output-bias
/// initialisation `ln q(w) + lnZ` need that for every target, sampled or not.
public struct NoiseDistribution: Sendable {
  public let sampler: AliasSampler
  /// `ln q(w)` for `w` in `0..<vocabularySize` (nats).
  public let logProbabilities: [Float]

  /// Builds `q` from non-negative weights (normalized here).
  /// Throws `InputError` for invalid weights or a word with probability zero.
  public init(weights: [Double]) throws {
    let sampler = try AliasSampler(weights: weights)
    if let zero = sampler.probabilities.firstIndex(where: { !($0 > 0) }) {
      throw InputError("noise distribution: word \(zero) has probability 0; use a positive noise floor")
    }
    self.sampler = sampler
    self.logProbabilities = sampler.logProbabilities
  }

  /// The unigram noise of a vocabulary: `q(w) ∝ max(freq(w)^power / Σ freq^power, floor)`
  /// (`power` = `--noise-power`; 1 is the plain unigram, 0.75 word2vec's flattened one).
  public init(counts: [Int], power: Double = 1, floor: Double = AliasSampler.defaultNoiseFloor) throws {
    guard floor > 0 || counts.allSatisfy({ $0 > 0 }) else {
      throw InputError("noise distribution: zero counts need a positive noise floor")
    }
    try self.init(weights: AliasSampler.unigramNoise(counts: counts, power: power, floor: floor))
  }

  public var vocabularySize: Int { logProbabilities.count }

  /// `q(w)`.
  public func probability(of word: Int) -> Double { sampler.probability(of: word) }

  /// Fills `ids[0..<count]` with independent draws from `q`.
  public func sample(count: Int, into ids: UnsafeMutablePointer<Int32>, using rng: inout SeededGenerator) {
    sampler.sample(count: count, into: ids, using: &rng)
  }
}
