import ArgumentParser
import Foundation
import NBestRescoring
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
      Writes lmwt.rnn and lmwt.interp.<w> into each N-best directory (or --out), the best
      hypotheses as a Kaldi 'text' into --out (or the first N-best directory), and with --ref a
      %WER line per (rnn weight, LMWT, wip) on stdout, the best last, plus wer_* files.
      Decision rule: argmin acwt/LMWT + interp + wip*n_words, interp = nolm + w*rnn + (1-w)*lmonly.
      GRID: 9.5 | 0,0.5,1 | 7:17 | 0:0.25:1. See docs/rescoring.md.
      Example: rescore-nbest --model exp/nce.mdl --unnormalized --nbest-dir data/dev/archives.1 \\
        --ref data/dev/text --rnn-weights 0:0.25:1 --lm-weights 7:17 --wip 0,0.5,1 --out exp/rescore
      """)

  @OptionGroup var shared: SharedOptions
  @OptionGroup(title: "Input") var input: RescoringInputOptions
  @OptionGroup(title: "Scoring") var scoringOptions: RescoringScoreOptions
  @OptionGroup(title: "Selection") var selection: RescoringSelectionOptions

  func validate() throws {
    try input.validate(reusing: scoringOptions.reuseRNNCosts == true, hasReference: selection.ref != nil)
    try scoringOptions.validate()
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    let layout = try OutputLayout(input: input)
    let rnnWeights = try WeightGrid(parsing: selection.rnnWeights, name: "--rnn-weights")
    let sweep = try WeightSweep(
      rnnWeights: rnnWeights, lmWeights: try WeightGrid(parsing: selection.lmWeights, name: "--lm-weights"),
      insertionPenalties: try WeightGrid(parsing: selection.wip, name: "--wip"),
      interpolation: scoringOptions.interpolation, references: try selection.references())

    var (lists, inputOfList) = try input.readLists()
    log.info("read \(lists.count) utterances, \(lists.reduce(0) { $0 + $1.hypotheses.count }) hypotheses")
    if let arpa = scoringOptions.arpa {
      let model = try ARPAModel(path: arpa)
      for index in lists.indices { lists[index].setNgramCosts(from: model) }
    }
    if scoringOptions.reuseRNNCosts == true {
      for (k, directory) in layout.tableDirectories.enumerated() {
        let table = try RNNCostTable(path: (directory as NSString).appendingPathComponent("lmwt.rnn"))
        for index in lists.indices where inputOfList[index] == k { try table.apply(to: &lists[index]) }
      }
    } else {
      try scoringOptions.computeRNNCosts(&lists, log: log)
    }
    for (k, directory) in layout.tableDirectories.enumerated() {
      var outputs = RescoringOutputs(rnnWeights: rnnWeights, interpolation: scoringOptions.interpolation)
      for index in lists.indices where inputOfList[index] == k { try outputs.addCosts(of: lists[index]) }
      try outputs.write(archiveDirectory: directory, textPath: nil)
    }
    for list in lists { try sweep.add(list) }
    let report = try sweep.run()
    if report.scored {
      let prefix = layout.outputDirectory + "/"
      print(report.werLines(prefix: prefix) + report.bestWERLine(prefix: prefix), terminator: "")
      try report.writeWERFiles(directory: layout.outputDirectory)
    }
    try AtomicFileWriter.write(
      text: report.bestText, to: (layout.outputDirectory as NSString).appendingPathComponent("text"))
  }
}
