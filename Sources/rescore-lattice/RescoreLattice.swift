import ArgumentParser
import FileIO
import NBestRescoring
import ToolOptions
import ToolSupport

/// `rescore-lattice`: RNN LM rescoring of Kaldi or HTK lattices, weight sweeps and WER.
@main
struct RescoreLattice: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rescore-lattice",
    abstract: "Rescore word lattices with an RNN LM (n-gram history merging), pick the 1-best per setting, score.",
    discussion: """
      Expands each lattice to --max-ngram-order histories, replaces the old LM cost of every arc by \
      w*rnn + (1-w)*old, and selects the best path for every (rnn weight, LMWT, wip): text, and with \
      --ref the %WER lines, wer_* files and best_weights as rescore-nbest writes them, into --out. \
      All files are published together when the run succeeds; an output may not be an input. \
      Decision rule: argmin g + a/LMWT + wip*n_words. GRID: 9.5 | 0,0.5,1 | 7:17 | 0:0.25:1. \
      See docs/lattices.md.
      Example: rescore-lattice --model exp/nce.mdl --symbol-table lang/words.txt \\
        --lattices "ark:gunzip -c decode/lat.1.gz | lattice-copy ark:- ark,t:- |" --ref data/dev/text \\
        --rnn-weights 0:0.25:1 --lm-weights 7:17 --wip 0,0.5,1 --oracle --out exp/rescore_lat
      """)

  @OptionGroup var shared: SharedOptions
  @OptionGroup var options: LatticeRescoringCommandLine

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    let read = [
      (options.selection.ref, "--ref"), (options.scoringOptions.model, "--model"),
      (options.input.symbolTable, "--symbol-table"),
    ]
    try StandardOutput.refuseInputs(read.compactMap { path, option in path.map { ($0, option) } })
    let progress = ProgressMeter(tool: Self.toolName, label: "rescoring", unit: "lattices")
    var configuration = try options.configuration()
    configuration.rules = try options.scoringRules.rules()
    try LatticeRescoringPipeline.run(configuration, log: log.info, warn: log.warning, progress: progress) { result in
      let out = StandardOutput()
      out.write(result.standardOutput)
      try out.flush()
    }
  }
}
