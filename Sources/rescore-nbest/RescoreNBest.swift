import ArgumentParser
import FileIO
import NBestRescoring
import ToolSupport

/// `rescore-nbest`: RNN LM rescoring of N-best lists, weight sweeps and WER.
@main
struct RescoreNBest: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rescore-nbest",
    abstract: "Rescore N-best lists with an RNN LM, combine with acoustic and n-gram costs, pick the best.",
    discussion: """
      Writes lmwt.rnn and lmwt.interp.<w> into each N-best directory (or --out), the best \
      hypotheses as a Kaldi 'text' into --out (or the first N-best directory), and with --ref a \
      %WER line per (rnn weight, LMWT, wip) on stdout, the best last, plus wer_* files. All \
      files are published together when the run succeeds; an output may not be an input.
      Decision rule: argmin acwt/LMWT + interp + wip*n_words, interp = nolm + w*rnn + (1-w)*lmonly. \
      GRID: 9.5 | 0,0.5,1 | 7:17 | 0:0.25:1. See docs/rescoring.md.
      Example: rescore-nbest --model exp/nce.mdl --unnormalized --nbest-dir data/dev/archives.1 \\
        --ref data/dev/text --rnn-weights 0:0.25:1 --lm-weights 7:17 --wip 0,0.5,1 --out exp/rescore
      """)

  @OptionGroup var shared: SharedOptions
  @OptionGroup(title: "Input") var input: RescoringInputOptions
  @OptionGroup(title: "Scoring") var scoringOptions: RescoringScoreOptions
  @OptionGroup(title: "Selection") var selection: RescoringSelectionOptions
  @OptionGroup(title: "Scoring against --ref (score_kaldi.sh)") var scoringRules: ScoringRuleOptions

  /// Every refusal of the options, the pipeline's included, is a usage error.
  func validate() throws {
    try scoringRules.validate(hasReference: selection.ref != nil)
    do { try rescoringConfiguration().validate() } catch { throw ValidationError("\(error)") }
  }

  /// The pipeline's configuration from the options (grids and the shard parsed).
  func rescoringConfiguration() throws -> RescoringConfiguration {
    let reuse = scoringOptions.reuseRNNCosts
    if reuse && scoringOptions.model != nil {
      throw ValidationError("--reuse-rnn-costs reads lmwt.rnn: do not give --model")
    }
    guard let costs = reuse ? .reuse : scoringOptions.model.map(RescoringConfiguration.RNNCosts.model) else {
      throw ValidationError("give --model (or --reuse-rnn-costs)")
    }
    var configuration = RescoringConfiguration(nbestDirectories: input.nbestDirs, rnnCosts: costs)
    configuration.format = input.format
    configuration.outputDirectory = input.out
    configuration.shard = try input.shard.map(UtteranceShard.init(parsing:))
    configuration.scoring = scoringOptions.scoring
    configuration.arpa = scoringOptions.arpa
    configuration.interpolation = scoringOptions.interpolation
    configuration.unkPenalty = scoringOptions.unkPenalty
    configuration.oovTypes = scoringOptions.oovTypes
    configuration.unkPenalties = try scoringOptions.unkPenalties.map {
      try WeightGrid(parsing: $0, name: "--unk-penalties")
    }
    configuration.threads = scoringOptions.threads
    configuration.reference = selection.ref
    configuration.rnnWeights = try WeightGrid(parsing: selection.rnnWeights, name: "--rnn-weights")
    configuration.lmWeights = try WeightGrid(parsing: selection.lmWeights, name: "--lm-weights")
    configuration.insertionPenalties = try WeightGrid(parsing: selection.wip, name: "--wip")
    return configuration
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    let read = [(selection.ref, "--ref"), (scoringOptions.model, "--model"), (scoringOptions.arpa, "--arpa")]
    try StandardOutput.refuseInputs(read.compactMap { path, option in path.map { ($0, option) } })
    let progress = ProgressMeter(tool: Self.toolName, label: "rescoring", unit: "hypotheses")
    var configuration = try rescoringConfiguration()
    configuration.rules = try scoringRules.rules()
    try NBestRescoringPipeline.run(configuration, log: log.info, warn: log.warning, progress: progress) { result in
      let out = StandardOutput()
      out.write(result.standardOutput)
      try out.flush()
    }
  }
}
