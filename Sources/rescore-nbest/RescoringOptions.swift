import ArgumentParser
import Foundation
import NBestRescoring
import FileIO
import NCECore
import NCEModel
import ToolSupport

extension NBestFormat: ExpressibleByArgument {}
extension LMInterpolation: ExpressibleByArgument {}
extension ScoringMode: EnumerableFlag {}

/// Where the N-best lists come from and where outputs go.
struct RescoringInputOptions: ParsableArguments {
  @Option(name: .customLong("nbest-dir"), help: "N-best input (repeat for several jobs' directories).")
  var nbestDirs: [String] = []
  @Option(help: "N-best format: kaldi (rnnlmrescore.sh archive dir), srilm (format 3), cued.")
  var format = NBestFormat.kaldi
  @Option(help: "Output directory (default: the N-best directory).") var out: String?
  @Option(help: "Only utterances with index mod N == J-1 (index: order of appearance over all inputs, from 0).")
  var shard: String?

  func validate(reusing: Bool, hasReference: Bool) throws {
    if nbestDirs.isEmpty { throw ValidationError("give at least one --nbest-dir") }
    if format != .kaldi && out == nil { throw ValidationError("--format \(format.rawValue) needs --out DIR") }
    if let shard {
      do { _ = try UtteranceShard(parsing: shard) } catch let error as InputError {
        throw ValidationError(error.message)
      }
      if out == nil { throw ValidationError("--shard needs --out DIR (one directory per job)") }
      if hasReference { throw ValidationError("--shard cannot take --ref: sweep afterwards with --reuse-rnn-costs") }
      if reusing { throw ValidationError("--shard splits RNN scoring; it cannot be combined with --reuse-rnn-costs") }
    }
    if out != nil && nbestDirs.count > 1 {
      let names = nbestDirs.map { ($0 as NSString).standardizingPath }.map { ($0 as NSString).lastPathComponent }
      if Set(names).count != names.count {
        throw ValidationError("with --out and several --nbest-dir, the input directories need distinct names")
      }
    }
  }

  /// Calls `body` with every list of every input, in input order, restricted to the shard,
  /// and the index of the input it came from. Streams: memory is one list.
  func forEachList(_ body: (NBestList, Int) throws -> Void) throws {
    let shard = try self.shard.map(UtteranceShard.init(parsing:))
    var index = 0
    for (k, path) in nbestDirs.enumerated() {
      let reader = try format.reader(path: path)
      while let list = try reader.nextList() {
        if shard?.contains(index: index) ?? true { try body(list, k) }
        index += 1
      }
    }
  }
}

/// The output directories of a run (see docs/rescoring.md).
struct OutputLayout {
  /// Where `lmwt.*` of input k go (and `lmwt.rnn` is read from with --reuse-rnn-costs).
  let tableDirectories: [String]
  /// Where `text` and `wer_*` go.
  let outputDirectory: String

  init(input: RescoringInputOptions) throws {
    // Name a missing input before anything is created next to it.
    for path in input.nbestDirs where !FileManager.default.fileExists(atPath: path) {
      throw InputError("no such file or directory", file: path)
    }
    guard let out = input.out else {
      tableDirectories = input.nbestDirs
      outputDirectory = input.nbestDirs[0]
      return
    }
    outputDirectory = out
    if input.nbestDirs.count == 1 {
      tableDirectories = [out]
    } else {
      tableDirectories = input.nbestDirs.map {
        (out as NSString).appendingPathComponent((($0 as NSString).standardizingPath as NSString).lastPathComponent)
      }
    }
    for directory in [out] + tableDirectories {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw InputError("cannot create the output directory: \(error.localizedDescription)", file: directory)
      }
    }
  }
}

/// How hypotheses get their LM costs.
struct RescoringScoreOptions: ParsableArguments {
  @Option(help: "RNN LM model file written by rnnlm-train.") var model: String?
  @Flag(help: "normalized: exact log-softmax; unnormalized: NCE score s(w,h) - lnZ, no softmax.")
  var scoring = ScoringMode.normalized
  @Option(help: "ARPA n-gram LM (plain, .gz, .zst) whose costs replace lmwt.lmonly.") var arpa: String?
  @Option(help: "log-linear: w*rnn + (1-w)*lmonly (Kaldi); linear: per-word w p_rnn + (1-w) p_ngram (needs --arpa).")
  var interpolation = LMInterpolation.logLinear
  @Option(help: "Cost in nats added per word outside the RNN vocabulary (default: see docs/rescoring.md).")
  var unkPenalty: Double?
  @Option(help: "Number of OOV word types: the OOV cost is ln N.") var oovTypes: Double?
  @Option(
    help:
      "OOV costs to sweep (GRID, e.g. 0:2:12; needs --ref): each replaces the OOV cost of the words outside the RNN vocabulary, without rescoring. lmwt.rnn and lmwt.interp.* hold the costs of the first value."
  )
  var unkPenalties: String?
  @Option(help: "Cores for RNN scoring.") var threads = 1
  @Flag(
    name: .customLong("reuse-rnn-costs"),
    help: "Do not run a model: read lmwt.rnn, or the parts lmwt.rnn.1, lmwt.rnn.2, ... of --shard jobs, from each input's table directory.")
  var reuseRNNCosts = false

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
    if unkPenalty != nil && oovTypes != nil { throw ValidationError("give either --unk-penalty or --oov-types") }
    if unkPenalties != nil && (unkPenalty != nil || oovTypes != nil) {
      throw ValidationError("--unk-penalties sweeps the OOV cost: do not give --unk-penalty or --oov-types too")
    }
    if reuseRNNCosts == true {
      if model != nil { throw ValidationError("--reuse-rnn-costs reads lmwt.rnn: do not give --model") }
      if interpolation == .linear {
        throw ValidationError("--interpolation linear needs per-word RNN costs, which lmwt.rnn does not hold")
      }
      if unkPenalty != nil || oovTypes != nil || unkPenalties != nil || scoring != .normalized || threads != 1 {
        throw ValidationError(
          "--unk-penalty, --oov-types, --unk-penalties, --unnormalized and --threads need --model, not --reuse-rnn-costs")
      }
    } else if model == nil {
      throw ValidationError("give --model (or --reuse-rnn-costs)")
    }
    if interpolation == .linear && arpa == nil {
      throw ValidationError("--interpolation linear needs per-word n-gram costs: give --arpa")
    }
  }

  /// The OOV-cost grid of `--unk-penalties`, if given.
  func oovCostGrid() throws -> WeightGrid? {
    try unkPenalties.map { try WeightGrid(parsing: $0, name: "--unk-penalties") }
  }

  /// The scorer of `--model` (nil with `--reuse-rnn-costs`); logs the OOV cost note. With
  /// `--unk-penalties` it scores with the first value.
  func makeScorer(log: Log) throws -> NBestRNNScorer? {
    guard let model else { return nil }
    let file = try ModelFile.read(path: model, optimizerState: false)
    try file.model.checkSupports(scoring)
    let first = try oovCostGrid()?.values.first
    let oov = try OOVCost.resolve(unkPenalty: first ?? unkPenalty, oovTypes: oovTypes, vocabulary: file.vocabulary)
    if let note = oov.note { log.info(note) }
    return NBestRNNScorer(
      model: file.model, vocabulary: file.vocabulary, mode: scoring, oovCost: oov, threads: threads)
  }
}

/// Weights and references.
struct RescoringSelectionOptions: ParsableArguments {
  @Option(help: "Kaldi text of references: sweep the grids and report WER.") var ref: String?
  @Option(help: "RNN weight(s) w (GRID).") var rnnWeights = "0.5"
  @Option(
    name: .customLong("lm-weights"),
    help: "LM weight(s) LMWT, the inverse acoustic scale (GRID). (default: \(RescoringSelectionOptions.defaultLMWeights))")
  var lmWeightsOption: String?
  @Option(help: "Smallest LMWT of an integer range, as in score_kaldi.sh (with --max-lmwt; instead of --lm-weights).")
  var minLmwt: Int?
  @Option(help: "Largest LMWT of an integer range, as in score_kaldi.sh (with --min-lmwt; instead of --lm-weights).")
  var maxLmwt: Int?
  @Option(
    name: [.customLong("wip"), .customLong("word-ins-penalty")],
    help: "Word insertion penalty(ies) (GRID); --word-ins-penalty is Kaldi's name.")
  var wip = "0"

  static let defaultLMWeights = "10"

  /// The LMWT grid: `--lm-weights`, or `MIN:MAX` from `--min-lmwt`/`--max-lmwt`, or the default.
  var lmWeights: String {
    if let minLmwt, let maxLmwt { return "\(minLmwt):\(maxLmwt)" }
    return lmWeightsOption ?? Self.defaultLMWeights
  }

  func validate() throws {
    guard minLmwt != nil || maxLmwt != nil else { return }
    guard let minLmwt, let maxLmwt else { throw ValidationError("--min-lmwt and --max-lmwt go together (an LMWT range)") }
    if lmWeightsOption != nil { throw ValidationError("give either --lm-weights or --min-lmwt/--max-lmwt") }
    if minLmwt < 1 || maxLmwt < minLmwt {
      throw ValidationError("--min-lmwt and --max-lmwt need 1 <= min <= max, got \(minLmwt) and \(maxLmwt)")
    }
  }

  /// The references in file order, if `--ref` was given.
  func references() throws -> [(key: String, words: [String])]? {
    guard let ref else { return nil }
    let (transcripts, order) = try KaldiTextReader.read(path: ref)
    return order.map { ($0, transcripts[$0] ?? []) }
  }
}
