import FileIO
import Foundation
import NCECore
import NCEModel

/// The rescoring pipeline of `rescore-nbest`: N-best inputs -> RNN costs (a model, or the
/// reused `lmwt.rnn`) -> n-gram costs (`--arpa`) -> the `lmwt.*` tables -> the weight sweep
/// -> the best setting's selection (`text`) and its `wer_*` files.
///
/// Output policy (FileIO's `OutputOverlap` and `StagedOutputs`): before anything is written or
/// scored, an output that is an input (same file, or a file read inside an output directory)
/// is refused with an error naming both (the tables and `text` before the output directories
/// are created; the `wer_*` files, which the sweep names, once the model is loaded); every output is staged and published together only after the run and
/// `report` have succeeded, so a failure at any point leaves every previous output
/// byte-identical and no temporary file behind. With `.reuse`, an `lmwt.rnn` that is read is
/// not rewritten. Memory: see `RescoringPass` and `WeightSweep` (nothing grows with the
/// number of hypotheses).
public enum NBestRescoringPipeline {
  /// Runs `configuration`. `log` gets one-line notes (OOV cost, counts, scoring speed);
  /// `report` gets the result before anything is published (a tool prints it there: if that
  /// fails, nothing is published). Errors are `InputError`s naming the file, or
  /// `RescoringUsageError` for a configuration that `validate()` refuses.
  @discardableResult
  public static func run(
    _ configuration: RescoringConfiguration, log: @escaping (String) -> Void = { _ in },
    warn: @escaping (String) -> Void = { _ in }, progress: ProgressMeter? = nil,
    report: (RescoringResult) throws -> Void = { _ in }
  ) throws -> RescoringResult {
    try configuration.validate()
    let layout = try RescoringLayout(configuration)
    let inputs = layout.inputs(configuration)
    try OutputOverlap.refuse(outputs: layout.tableAndTextPaths(rnnWeights: configuration.rnnWeights), inputs: inputs)
    let scorer = try makeScorer(configuration, log: log)
    let referenceTexts = try configuration.reference.map(KaldiTextReader.readInOrder)
    // A failed run removes the output directories it created (empty: nothing is published).
    let createdDirectories = try layout.createDirectories()
    let outputs = StagedOutputs()
    var succeeded = false
    defer {
      if !succeeded {
        outputs.discard()
        RescoringLayout.removeIfEmpty(createdDirectories)
      }
    }
    let sweep = try WeightSweep(
      rnnWeights: configuration.rnnWeights, lmWeights: configuration.lmWeights,
      insertionPenalties: configuration.insertionPenalties, oovCosts: configuration.unkPenalties,
      baseOOVCost: scorer?.oovCost.penalty ?? 0, interpolation: configuration.interpolation,
      references: referenceTexts, rules: configuration.rules, scratchDirectory: layout.outputDirectory)
    let bestWeightsPath = layout.path(WeightSweepReport.bestWeightsFileName, in: layout.outputDirectory)
    if configuration.reference != nil {
      try OutputOverlap.refuse(
        outputs: sweep.settings.map { layout.path($0.werName, in: layout.outputDirectory) } + [bestWeightsPath],
        inputs: inputs)
    }
    let arpa = try configuration.arpa.map { try ARPAModel(path: $0) }
    let pass = RescoringPass(
      layout: layout, outputs: outputs, rnnWeights: configuration.rnnWeights,
      interpolation: configuration.interpolation, arpa: arpa, scorer: scorer, sweep: sweep, progress: progress,
      log: log, warn: warn)
    try forEachList(configuration) { list, k in try pass.add(list, input: k) }
    try pass.finish()
    progress?.finish()
    log("read \(sweep.utteranceCount) utterances, \(sweep.hypothesisCount) hypotheses")
    if let scorer { log(scoringNote(pass, scorer: scorer, configuration: configuration)) }
    let sweepReport: WeightSweepReport
    do { sweepReport = try sweep.run() } catch var error as InputError where error.file == nil {
      error.file = configuration.reference
      throw error
    }
    if sweepReport.scored {
      try sweepReport.stageWERFiles(directory: layout.outputDirectory, in: outputs)
      try outputs.write(
        text: sweepReport.bestWeightsConfig(
          interpolation: configuration.interpolation, scorerOOVCost: scorer?.oovCost.penalty),
        to: bestWeightsPath)
    }
    // Second pass: the best setting is known only now.
    let text = try outputs.stream(for: layout.textPath)
    try sweep.forEachSelectedLine(setting: sweepReport.bestIndex) { try text.write($0 + "\n") }
    try text.close(sync: false)
    let result = RescoringResult(
      report: sweepReport, outputDirectory: layout.outputDirectory, outputs: outputs.paths,
      utteranceCount: sweep.utteranceCount, hypothesisCount: sweep.hypothesisCount)
    try report(result)
    try outputs.publish()
    succeeded = true
    return result
  }

  /// Calls `body` with every list of every input, in input order, restricted to the shard,
  /// and the index of the input it came from. Streams: memory is one list.
  static func forEachList(
    _ configuration: RescoringConfiguration, _ body: (NBestList, Int) throws -> Void
  ) throws {
    var index = 0
    for (k, path) in configuration.nbestDirectories.enumerated() {
      let reader = try configuration.format.reader(path: path)
      while let list = try reader.nextList() {
        if configuration.shard?.contains(index: index) ?? true { try body(list, k) }
        index += 1
      }
    }
  }

  /// The scorer of the model (nil with `.reuse`); logs the OOV cost note. With
  /// `unkPenalties` it scores with the first value.
  static func makeScorer(_ configuration: RescoringConfiguration, log: (String) -> Void) throws -> NBestRNNScorer? {
    guard case .model(let path) = configuration.rnnCosts else { return nil }
    let file = try ModelFile.read(path: path, optimizerState: false)
    try file.model.checkSupports(configuration.scoring)
    let oov = try OOVCost.resolve(
      unkPenalty: configuration.unkPenalties?.values.first ?? configuration.unkPenalty,
      oovTypes: configuration.oovTypes, vocabulary: file.vocabulary)
    if let note = oov.note { log(note) }
    return NBestRNNScorer(
      model: file.model, vocabulary: file.vocabulary, mode: configuration.scoring, oovCost: oov,
      threads: configuration.threads)
  }

  static func scoringNote(_ pass: RescoringPass, scorer: NBestRNNScorer, configuration: RescoringConfiguration)
    -> String
  {
    let statistics = pass.statistics
    let seconds = pass.scoringSeconds
    return String(
      format:
        "RNN %@ costs: %d hypotheses (%d distinct), %d tokens in %.2f s (%.0f hyp/s); prefix trees: %d forward steps instead of %d (%.1f%% saved); OOV cost %.3f",
      configuration.scoring.rawValue, statistics.hypotheses, statistics.distinctHypotheses, statistics.flatTokens,
      seconds, Double(statistics.hypotheses) / max(seconds, 1e-9), statistics.treeSteps, statistics.flatTokens,
      100 * statistics.stepSaving, scorer.oovCost.penalty)
      + (configuration.unkPenalties == nil ? "" : " (the first of --unk-penalties; the sweep tries each)")
  }
}
