import ArgumentParser
import Foundation
import NBestRescoring
import FileIO
import NCECore
import NCEModel
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
      %WER line per (rnn weight, LMWT, wip) on stdout, the best last, plus wer_* files.
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

  func validate() throws {
    try input.validate(reusing: scoringOptions.reuseRNNCosts == true, hasReference: selection.ref != nil)
    try scoringOptions.validate()
    try scoringRules.validate(hasReference: selection.ref != nil)
    try ScoringRuleOptions.validate(rnnWeights: selection.rnnWeights, interpolation: scoringOptions.interpolation)
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    let layout = try OutputLayout(input: input)
    let rnnWeights = try WeightGrid(parsing: selection.rnnWeights, name: "--rnn-weights")
    let scorer = try scoringOptions.makeScorer(log: log)
    let sweep = try WeightSweep(
      rnnWeights: rnnWeights, lmWeights: try WeightGrid(parsing: selection.lmWeights, name: "--lm-weights"),
      insertionPenalties: try WeightGrid(parsing: selection.wip, name: "--wip"), oovCosts: try scoringOptions.oovCostGrid(),
      baseOOVCost: scorer?.oovCost.penalty ?? 0, interpolation: scoringOptions.interpolation,
      references: try selection.references(), rules: try scoringRules.rules(), scratchDirectory: layout.outputDirectory)
    let arpa = try scoringOptions.arpa.map { try ARPAModel(path: $0) }
    let pass = RescoringPass(
      tableDirectories: layout.tableDirectories, rnnWeights: rnnWeights, interpolation: scoringOptions.interpolation,
      arpa: arpa, scorer: scorer, sweep: sweep)
    try input.forEachList { list, k in try pass.add(list, input: k) }
    try pass.finish()
    log.info("read \(sweep.utteranceCount) utterances, \(sweep.hypothesisCount) hypotheses")
    if let scorer { logScoring(pass, oovCost: scorer.oovCost) }
    let report: WeightSweepReport
    do { report = try sweep.run() } catch var error as InputError where error.file == nil {
      error.file = selection.ref
      throw error
    }
    if report.scored {
      let prefix = layout.outputDirectory + "/"
      let out = StandardOutput()
      out.write(report.standardOutput(prefix: prefix))
      try out.flush()
      try report.writeWERFiles(directory: layout.outputDirectory)
      try AtomicFileWriter.write(
        text: report.bestWeightsConfig(interpolation: scoringOptions.interpolation, scorerOOVCost: scorer?.oovCost.penalty),
        to: (layout.outputDirectory as NSString).appendingPathComponent(WeightSweepReport.bestWeightsFileName))
    }
    // Second pass: the best setting is known only now.
    let text = try AtomicFileStream(path: (layout.outputDirectory as NSString).appendingPathComponent("text"))
    try sweep.forEachSelectedLine(setting: report.bestIndex) { try text.write($0 + "\n") }
    try text.commit()
  }

  private func logScoring(_ pass: RescoringPass, oovCost: OOVCost) {
    let statistics = pass.statistics
    let seconds = pass.scoringSeconds
    Log(tool: Self.toolName).info(
      String(
        format:
          "RNN %@ costs: %d hypotheses (%d distinct), %d tokens in %.2f s (%.0f hyp/s); prefix trees: %d forward steps instead of %d (%.1f%% saved); OOV cost %.3f",
        scoringOptions.scoring.rawValue, statistics.hypotheses, statistics.distinctHypotheses, statistics.flatTokens,
        seconds, Double(statistics.hypotheses) / max(seconds, 1e-9), statistics.treeSteps, statistics.flatTokens,
        100 * statistics.stepSaving, oovCost.penalty)
        + (scoringOptions.unkPenalties == nil ? "" : " (the first of --unk-penalties; the sweep tries each)"))
  }
}
