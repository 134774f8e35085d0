import FileIO
import Foundation
import NCEModel

/// Everything a run of the rescoring pipeline needs (`rescore-nbest` fills it from its
/// options; see docs/rescoring.md for each field's option).
public struct RescoringConfiguration: Sendable {
  /// Where the RNN costs come from.
  public enum RNNCosts: Sendable, Equatable {
    /// Score every hypothesis with the model file at this path.
    case model(String)
    /// Read `lmwt.rnn` (or its parts `lmwt.rnn.1`, ...) from each input's table directory.
    case reuse
  }

  /// N-best inputs, in order (`--nbest-dir`).
  public var nbestDirectories: [String]
  public var format: NBestFormat = .kaldi
  /// `--out`; nil: the tables go into each N-best directory and `text` into the first.
  public var outputDirectory: String?
  /// Only the utterances of this shard (their index counted over all inputs).
  public var shard: UtteranceShard?
  public var rnnCosts: RNNCosts
  public var scoring: ScoringMode = .normalized
  /// ARPA model whose costs replace the lists' n-gram costs.
  public var arpa: String?
  public var interpolation: LMInterpolation = .logLinear
  public var unkPenalty: Double?
  public var oovTypes: Double?
  /// OOV costs to sweep; the tables hold the costs of the first.
  public var unkPenalties: WeightGrid?
  public var threads = 1
  /// Kaldi text of references (`--ref`): sweep the grids and score.
  public var reference: String?
  public var rnnWeights = WeightGrid(values: [0.5])
  public var lmWeights = WeightGrid(values: [10])
  public var insertionPenalties = WeightGrid(values: [0])
  /// How the sweep scores against `reference` (score_kaldi.sh's mode, normalization, filters).
  public var rules = ScoringRules()

  public init(nbestDirectories: [String], rnnCosts: RNNCosts) {
    self.nbestDirectories = nbestDirectories
    self.rnnCosts = rnnCosts
  }

  /// The combinations of settings that make no sense, as a `RescoringUsageError` (a tool
  /// reports it as a usage error).
  public func validate() throws {
    func refuse(_ message: String) -> RescoringUsageError { RescoringUsageError(message: message) }
    if nbestDirectories.isEmpty { throw refuse("give at least one --nbest-dir") }
    if format != .kaldi && outputDirectory == nil { throw refuse("--format \(format.rawValue) needs --out DIR") }
    if shard != nil {
      if outputDirectory == nil { throw refuse("--shard needs --out DIR (one directory per job)") }
      if reference != nil { throw refuse("--shard cannot take --ref: sweep afterwards with --reuse-rnn-costs") }
      if rnnCosts == .reuse { throw refuse("--shard splits RNN scoring; it cannot be combined with --reuse-rnn-costs") }
    }
    if let outputDirectory, nbestDirectories.count > 1 {
      let names = nbestDirectories.map { ($0 as NSString).standardizingPath }.map { ($0 as NSString).lastPathComponent }
      if Set(names).count != names.count {
        throw refuse(
          "with --out and several --nbest-dir, the input directories need distinct names (\(outputDirectory)/<name>)")
      }
    }
    if threads < 1 { throw refuse("--threads must be at least 1") }
    if unkPenalty != nil && oovTypes != nil { throw refuse("give either --unk-penalty or --oov-types") }
    if unkPenalties != nil && (unkPenalty != nil || oovTypes != nil) {
      throw refuse("--unk-penalties sweeps the OOV cost: do not give --unk-penalty or --oov-types too")
    }
    if rnnCosts == .reuse {
      if interpolation == .linear {
        throw refuse("--interpolation linear needs per-word RNN costs, which lmwt.rnn does not hold")
      }
      if unkPenalty != nil || oovTypes != nil || unkPenalties != nil || scoring != .normalized || threads != 1 {
        throw refuse(
          "--unk-penalty, --oov-types, --unk-penalties, --unnormalized and --threads need --model, not --reuse-rnn-costs"
        )
      }
    }
    if interpolation == .linear && arpa == nil {
      throw refuse("--interpolation linear needs per-word n-gram costs: give --arpa")
    }
    do { try interpolation.checkRNNWeights(rnnWeights) } catch let error as InputError { throw refuse(error.message) }
    // The decision rule divides the acoustic cost by LMWT.
    if let bad = lmWeights.values.first(where: { $0 <= 0 }) {
      throw refuse("--lm-weights: every LM weight (LMWT) must be positive, got \(bad)")
    }
  }
}

/// A rescoring configuration that cannot run (a usage error, not an input error).
public struct RescoringUsageError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
}
