import ArgumentParser
import Foundation
import NBestRescoring
import NCEModel

extension NBestFormat: ExpressibleByArgument {}
extension LMInterpolation: ExpressibleByArgument {}
extension ScoringMode: EnumerableFlag {}

/// Where the N-best lists come from and where outputs go.
public struct RescoringInputOptions: ParsableArguments {
  public init() {}
  @Option(name: .customLong("nbest-dir"), help: "N-best input (repeat for several jobs' directories).")
  public var nbestDirs: [String] = []
  @Option(help: "N-best format: kaldi (rnnlmrescore.sh archive dir), srilm (format 3), cued.")
  public var format = NBestFormat.kaldi
  @Option(help: "Output directory (default: the N-best directory).") public var out: String?
  @Option(help: "Only utterances with index mod N == J-1 (index: order of appearance over all inputs, from 0).")
  public var shard: String?
}

/// How hypotheses get their LM costs.
public struct RescoringScoreOptions: ParsableArguments {
  public init() {}
  @Option(help: "RNN LM model file written by rnnlm-train.") public var model: String?
  @Flag(help: "normalized: exact log-softmax; unnormalized: NCE score s(w,h) - lnZ, no softmax.")
  public var scoring = ScoringMode.normalized
  @Option(help: "ARPA n-gram LM (plain, .gz, .zst) whose costs replace lmwt.lmonly.") public var arpa: String?
  @Option(help: "log-linear: w*rnn + (1-w)*lmonly (Kaldi); linear: per-word w p_rnn + (1-w) p_ngram (needs --arpa).")
  public var interpolation = LMInterpolation.logLinear
  @Option(help: "Cost in nats added per word outside the RNN vocabulary (default: see docs/rescoring.md).")
  public var unkPenalty: Double?
  @Option(help: "Number of OOV word types: the OOV cost is ln N.") public var oovTypes: Double?
  @Option(
    help:
      "OOV costs to sweep (GRID, e.g. 0:2:12; needs --ref): each replaces the OOV cost of the words outside the RNN vocabulary, without rescoring. lmwt.rnn and lmwt.interp.* hold the costs of the first value."
  )
  public var unkPenalties: String?
  @Option(help: "Cores for RNN scoring.") public var threads = 1
  @Flag(
    name: .customLong("reuse-rnn-costs"),
    help:
      "Do not run a model: read lmwt.rnn, or the parts lmwt.rnn.1, lmwt.rnn.2, ... of --shard jobs, from each input's table directory."
  )
  public var reuseRNNCosts = false
}

/// Weights and references.
public struct RescoringSelectionOptions: ParsableArguments {
  public init() {}
  @Option(help: "Kaldi text of references: sweep the grids and report WER.") public var ref: String?
  @Option(help: "RNN weight(s) w (GRID).") public var rnnWeights = "0.5"
  @Option(
    name: .customLong("lm-weights"),
    help:
      "LM weight(s) LMWT, the inverse acoustic scale (GRID). (default: \(RescoringSelectionOptions.defaultLMWeights))")
  public var lmWeightsOption: String?
  @Option(help: "Smallest LMWT of an integer range, as in score_kaldi.sh (with --max-lmwt; instead of --lm-weights).")
  public var minLmwt: Int?
  @Option(help: "Largest LMWT of an integer range, as in score_kaldi.sh (with --min-lmwt; instead of --lm-weights).")
  public var maxLmwt: Int?
  @Option(
    name: [.customLong("wip"), .customLong("word-ins-penalty")],
    help: "Word insertion penalty(ies) (GRID); --word-ins-penalty is Kaldi's name.")
  public var wip = "0"

  public static let defaultLMWeights = "10"

  /// The LMWT grid: `--lm-weights`, or `MIN:MAX` from `--min-lmwt`/`--max-lmwt`, or the default.
  public var lmWeights: String {
    if let minLmwt, let maxLmwt { return "\(minLmwt):\(maxLmwt)" }
    return lmWeightsOption ?? Self.defaultLMWeights
  }

  public func validate() throws {
    guard minLmwt != nil || maxLmwt != nil else { return }
    guard let minLmwt, let maxLmwt else {
      throw ValidationError("--min-lmwt and --max-lmwt go together (an LMWT range)")
    }
    if lmWeightsOption != nil { throw ValidationError("give either --lm-weights or --min-lmwt/--max-lmwt") }
    if minLmwt < 1 || maxLmwt < minLmwt {
      throw ValidationError("--min-lmwt and --max-lmwt need 1 <= min <= max, got \(minLmwt) and \(maxLmwt)")
    }
  }
}
