import ArgumentParser
import FileIO
import NBestRescoring
import ToolOptions
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
  @OptionGroup var options: RescoringCommandLine

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    let read = [
      (options.selection.ref, "--ref"), (options.scoringOptions.model, "--model"),
      (options.scoringOptions.arpa, "--arpa"),
    ]
    try StandardOutput.refuseInputs(read.compactMap { path, option in path.map { ($0, option) } })
    let progress = ProgressMeter(tool: Self.toolName, label: "rescoring", unit: "hypotheses")
    var configuration = try options.rescoringConfiguration()
    configuration.rules = try options.scoringRules.rules()
    try NBestRescoringPipeline.run(configuration, log: log.info, warn: log.warning, progress: progress) { result in
      let out = StandardOutput()
      out.write(result.standardOutput)
      try out.flush()
    }
  }
}
