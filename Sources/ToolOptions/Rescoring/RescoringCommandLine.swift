import ArgumentParser
import NBestRescoring

/// Every option of `rescore-nbest` and the pipeline configuration they make.
public struct RescoringCommandLine: ParsableArguments {
  public init() {}

  @OptionGroup(title: "Input") public var input: RescoringInputOptions
  @OptionGroup(title: "Scoring") public var scoringOptions: RescoringScoreOptions
  @OptionGroup(title: "Selection") public var selection: RescoringSelectionOptions
  @OptionGroup(title: "Scoring against --ref (score_kaldi.sh)") public var scoringRules: ScoringRuleOptions

  /// Every refusal of the options, the pipeline's included, is a usage error.
  public func validate() throws {
    try scoringRules.validate(hasReference: selection.ref != nil)
    do { try rescoringConfiguration().validate() } catch { throw ValidationError("\(error)") }
  }

  /// The pipeline's configuration from the options (grids and the shard parsed).
  public func rescoringConfiguration() throws -> RescoringConfiguration {
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
}
