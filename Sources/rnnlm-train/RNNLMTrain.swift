import ArgumentParser
import Foundation
import NCECore
import NCEModel
import ToolSupport

@main
struct RNNLMTrain: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rnnlm-train",
    abstract: "Train an LSTM/GRU language model with cross-entropy, NCE, sampled softmax, mix or self-contrast.",
    discussion: """
      Writes the best model (by validation perplexity) to --save and the latest state to \
      <save>.last, after every epoch. Ctrl-C finishes the current batch, evaluates, saves and \
      exits 0; SIGTERM (a cluster scheduler ending the job) does the same and exits 143; \
      --resume continues from <save>.last exactly where training stopped. \
      stdout: one line per epoch, then the test perplexity. stderr: progress and logs.
      Example: rnnlm-train --data data/ptb --loss nce --noise-ratio 100 --norm-term 9 --save exp/nce.mdl
      """)

  @OptionGroup var shared: SharedOptions
  @OptionGroup(title: "Data") var dataOptions: DataOptions
  @OptionGroup(title: "Model") var architecture: ArchitectureOptions
  @OptionGroup(title: "Criterion") var criterionOptions: CriterionOptions
  @OptionGroup(title: "Optimisation") var optimization: OptimizationOptions

  @Option(help: "Model file to write (the best model); the latest state goes to <save>.last.")
  var save = "rnnlm.mdl"
  @Flag(help: "Continue training from <save>.last (options are taken from that file; --epochs may extend it).")
  var resume = false
  @Option(help: "Cores: data-parallel training workers and evaluation threads.")
  var threads = 1

  func validate() throws {
    if dataOptions.data == nil && dataOptions.trainText == nil && resume != true {
      throw ValidationError("give --data DIR or --train-text FILE")
    }
    if dataOptions.minFreq < 1 { throw ValidationError("--min-freq must be at least 1") }
    do { try optimization.trainingOptions(threads: threads).validate() } catch let error as ModelConfigError {
      throw ValidationError(error.message)
    }
    if criterionOptions.normTerm != "auto" && Float(criterionOptions.normTerm) == nil {
      throw ValidationError("--norm-term must be a number or 'auto', got '\(criterionOptions.normTerm)'")
    }
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    log.info(CommandLine.arguments.joined(separator: " "))
    // Cores are used by data-parallel workers, each with single-threaded OpenBLAS: toggling
    // OpenBLAS's own threads between calls costs more (its idle threads spin and yield).
    BLAS.threads = 1
    InterruptFlag.install()

    let session = try TrainingSession.prepare(command: self, log: log)
    let trainer = session.trainer
    let out = StandardOutput()
    let progress = ProgressPrinter(log: log, out: out, lossIsCrossEntropy: trainer.model.config.loss == .full)
    trainer.report = { progress.show($0) }
    trainer.shouldStop = { InterruptFlag.isSet }
    trainer.checkpoint = { trainer, isBest in
      let file = ModelFile(model: trainer.model, vocabulary: session.vocabulary, options: trainer.options, state: trainer.state, momentum: trainer.optimizer.buffers)
      try file.write(to: save + ".last")
      if isBest { try file.write(to: save) }
    }
    try trainer.run()
    if InterruptFlag.isSet {
      log.info("interrupted: state saved to \(save).last; continue with --resume")
      try out.flush()
      // Ctrl-C is the user's choice (exit 0); SIGTERM ends a job that is not finished, and a
      // scheduler or recipe must see that (143).
      if InterruptFlag.signalNumber == SIGTERM { throw ExitCode(128 + SIGTERM) }
      return
    }
    if let test = session.test {
      let best = FileManager.default.fileExists(atPath: save) ? try ModelFile.read(path: save, optimizerState: false).model : trainer.model
      let counts = "words \(test.tokenCount) sentences \(test.sentenceCount) oov \(test.oovCount)"
      guard best.hasNormalizedScores else {
        // --index-module gru: perplexity is undefined; report the unnormalized cost per token.
        let cost = Evaluation.meanUnnormalizedCost(model: best, corpus: test, threads: threads)
        out.write("test-unnormalized-cost-per-word \(String(format: "%.4f", cost)) \(counts)\n")
        try out.flush()
        return
      }
      let ppl = try Evaluation.perplexity(model: best, corpus: test, threads: threads)
      out.write("test-ppl \(String(format: "%.2f", ppl)) words \(test.tokenCount) sentences \(test.sentenceCount) oov \(test.oovCount)\n")
    }
    try out.flush()
  }
}
