import ArgumentParser
import Foundation
import NCECore
import NCEModel
import ToolOptions
import ToolSupport

@main
struct RNNLMTrain: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rnnlm-train",
    abstract: "Train an LSTM/GRU language model with cross-entropy, NCE, sampled softmax, mix or self-contrast.",
    discussion: """
      After every epoch writes the latest state to <save>.last and, when validation perplexity \
      improved, the model to --save (without a validation text --save holds the latest model). \
      Ctrl-C finishes the current batch, evaluates, saves and exits 0 (--save gets the model if \
      no epoch was completed yet); SIGTERM (a cluster scheduler ending the job) does the same and \
      exits 143. --save M --resume continues from M.last exactly where training stopped, with the \
      texts it recorded (a text given again must be the same); --epochs is the total. \
      stdout: one line per epoch, then the test perplexity. stderr: progress and logs.
      Example: rnnlm-train --data data/ptb --loss nce --noise-ratio 100 --norm-term 9 --save exp/nce.mdl
      """)

  @OptionGroup var shared: SharedOptions
  @OptionGroup var options: TrainingCommandLine

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    // Cores are used by data-parallel workers, each with single-threaded OpenBLAS: toggling
    // OpenBLAS's own threads between calls costs more (its idle threads spin and yield).
    BLAS.threads = 1
    InterruptFlag.install()

    let session = try TrainingSession.prepare(options.request) { log.info($0) }
    let out = StandardOutput()
    let progress = ProgressPrinter(
      log: log, out: out,
      report: TrainingReport(
        everyBatches: options.optimization.logInterval, standardOutputIsTerminal: isatty(STDOUT_FILENO) != 0,
        lossIsCrossEntropy: session.trainer.model.config.loss == .full))
    let outcome = try session.run(report: { progress.show($0) }, shouldStop: { InterruptFlag.isSet })
    switch outcome {
    case .interrupted:
      log.info("interrupted: state saved to \(options.save).last; continue with --resume")
      try out.flush()
      // Ctrl-C is the user's choice (exit 0); SIGTERM ends a job that is not finished, and a
      // scheduler or recipe must see that (143).
      if InterruptFlag.signalNumber == SIGTERM { throw ExitCode(128 + SIGTERM) }
    case .finished(let test?):
      let counts = "words \(test.words) sentences \(test.sentences) oov \(test.oovs)"
      if let ppl = test.perplexity {
        out.write("test-ppl \(String(format: "%.2f", ppl)) \(counts)\n")
      } else if let cost = test.unnormalizedCost {
        // --index-module gru: perplexity is undefined; the unnormalized cost per token instead.
        out.write("test-unnormalized-cost-per-word \(String(format: "%.4f", cost)) \(counts)\n")
      }
      try out.flush()
    case .finished(nil):
      try out.flush()
    }
  }
}
