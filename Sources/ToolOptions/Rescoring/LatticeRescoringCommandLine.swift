import ArgumentParser
import NBestRescoring
import NCEModel

extension LatticeRescoringConfiguration.Format: ExpressibleByArgument {}

/// Where the lattices come from and how they are expanded.
public struct LatticeInputOptions: ParsableArguments {
  public init() {}
  @Option(
    help:
      "Lattices: a Kaldi text archive rspecifier (ark,t:FILE, FILE[.gz|.zst], \"ark:gunzip -c lat.1.gz | lattice-copy ark:- ark,t:- |\"), an HTK SLF directory or an SLF file (repeatable)."
  )
  public var lattices: [String] = []
  @Option(help: "Lattice format: kaldi, htk, or auto (htk for a directory or *.lat/*.slf, else kaldi).")
  public var format = LatticeRescoringConfiguration.Format.auto
  @Option(help: "Kaldi words.txt of the lattices' word ids.") public var symbolTable: String?
  @Option(help: "Output directory of text, wer_*, best_weights, oracle_wer.") public var out: String?
  @Option(help: "Histories are merged when their last N-1 words agree (Kaldi's --max-ngram-order).")
  public var maxNgramOrder = 4
  @Option(
    help:
      "LM weight under which merged histories keep the RNN state of their best path (default: the middle of --lm-weights)."
  )
  public var mergeLmwt: Double?
  @Option(help: "Insertion penalty of that merge decision (default: the middle of --wip).")
  public var mergeWip: Double?
  @Option(
    help:
      "Rescore each lattice once, merging under this RNN weight, and sweep every --rnn-weights value on its RNN costs (default: one rescoring per RNN weight)."
  )
  public var mergeRnnWeight: Double?
  @Option(help: "ARPA model whose costs are the old LM costs removed from the graph costs.") public var oldLM: String?
  @Option(help: "File of 'lattice-word LM-token...' lines: the RNN scores and the text use the tokens.")
  public var wordMap: String?
  @Option(help: "Prune the expansion to paths within this cost of the best (Kaldi's --lattice-compose-beam).")
  public var latticeComposeBeam: Double?
  @Option(help: "Stop expanding a lattice beyond this many arcs.") public var maxArcs: Int?
}

/// How arcs get their RNN costs.
public struct LatticeScoreOptions: ParsableArguments {
  public init() {}
  @Option(help: "RNN LM model file written by rnnlm-train.") public var model: String?
  @Flag(help: "normalized: exact log-softmax; unnormalized: NCE score s(w,h) - lnZ, no softmax.")
  public var scoring = ScoringMode.normalized
  @Option(help: "log-linear: w*rnn + (1-w)*old LM per arc (Kaldi); the only rule for lattices.")
  public var interpolation = LMInterpolation.logLinear
  @Option(help: "Cost in nats added per word outside the RNN vocabulary (default: see docs/rescoring.md).")
  public var unkPenalty: Double?
  @Option(help: "Number of OOV word types: the OOV cost is ln N.") public var oovTypes: Double?
  @Option(help: "Lattices rescored in parallel (results do not depend on it).") public var threads = 1
}

/// What is written besides the selection.
public struct LatticeOutputOptions: ParsableArguments {
  public init() {}
  @Option(
    help:
      "Write the rescored lattices (one RNN weight) in the input format: ark,t:FILE (Kaldi) or a directory (SLF, one file per input file, same name)."
  )
  public var writeLattices: String?
  @Option(help: "Write the N best distinct word sequences of each rescored lattice (one setting) into --nbest-out.")
  public var nbest: Int?
  @Option(help: "The Kaldi N-best archive directory of --nbest (words_text, acwt, lmwt.nolm, lmwt.lmonly).")
  public var nbestOut: String?
  @Flag(help: "Report the lattice oracle WER (lattice-oracle's rule) against --ref (stdout, oracle_wer).")
  public var oracle = false
  @Option(help: "Write the oracle paths as a Kaldi text (with --oracle).") public var oracleText: String?
}

/// Every option of `rescore-lattice` and the pipeline configuration they make.
public struct LatticeRescoringCommandLine: ParsableArguments {
  public init() {}

  @OptionGroup(title: "Input") public var input: LatticeInputOptions
  @OptionGroup(title: "Scoring") public var scoringOptions: LatticeScoreOptions
  @OptionGroup(title: "Selection") public var selection: RescoringSelectionOptions
  @OptionGroup(title: "Outputs") public var outputs: LatticeOutputOptions
  @OptionGroup(title: "Scoring against --ref (score_kaldi.sh)") public var scoringRules: ScoringRuleOptions

  /// Every refusal of the options, the pipeline's included, is a usage error.
  public func validate() throws {
    try scoringRules.validate(hasReference: selection.ref != nil)
    do { try configuration().validate() } catch { throw ValidationError("\(error)") }
  }

  /// The pipeline's configuration from the options (grids parsed).
  public func configuration() throws -> LatticeRescoringConfiguration {
    guard let model = scoringOptions.model else { throw ValidationError("give --model") }
    guard let symbolTable = input.symbolTable else { throw ValidationError("give --symbol-table (Kaldi words.txt)") }
    guard let out = input.out else { throw ValidationError("give --out DIR") }
    if scoringOptions.interpolation != .logLinear {
      throw ValidationError(
        "--interpolation linear needs per-word n-gram costs along whole sentences; lattices are rescored log-linearly per arc"
      )
    }
    var configuration = LatticeRescoringConfiguration(
      lattices: input.lattices, symbolTable: symbolTable, model: model, outputDirectory: out)
    configuration.format = input.format
    configuration.maxNgramOrder = input.maxNgramOrder
    configuration.mergeLMWeight = input.mergeLmwt
    configuration.mergeInsertionPenalty = input.mergeWip
    configuration.mergeRNNWeight = input.mergeRnnWeight
    configuration.oldLM = input.oldLM
    configuration.wordMap = input.wordMap
    configuration.composeBeam = input.latticeComposeBeam
    configuration.maxArcs = input.maxArcs
    configuration.scoring = scoringOptions.scoring
    configuration.unkPenalty = scoringOptions.unkPenalty
    configuration.oovTypes = scoringOptions.oovTypes
    configuration.threads = scoringOptions.threads
    configuration.reference = selection.ref
    configuration.rnnWeights = try WeightGrid(parsing: selection.rnnWeights, name: "--rnn-weights")
    configuration.lmWeights = try WeightGrid(parsing: selection.lmWeights, name: "--lm-weights")
    configuration.insertionPenalties = try WeightGrid(parsing: selection.wip, name: "--wip")
    configuration.writeLattices = outputs.writeLattices
    switch (outputs.nbest, outputs.nbestOut) {
    case (let count?, let directory?): configuration.nbest = (count, directory)
    case (nil, nil): break
    default: throw ValidationError("--nbest N and --nbest-out DIR go together")
    }
    configuration.oracle = outputs.oracle
    configuration.oracleText = outputs.oracleText
    return configuration
  }
}
