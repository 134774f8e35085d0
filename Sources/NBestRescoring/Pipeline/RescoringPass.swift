import FileIO
import Foundation
import NCECore
import NCEModel

/// The one streaming pass of the rescoring pipeline over its inputs: lists arrive in input order;
/// they are scored by the RNN in chunks (`NBestChunker`, `threads` chunks at a time, so the
/// chunk composition and the costs are those of scoring the whole set at once) or get the
/// reused `lmwt.rnn` costs, then n-gram costs from `--arpa`, then their lines go to the
/// tables of their input's table directory and the list goes to the sweep.
///
/// Memory: the model, the ARPA model, `threads` chunks, one utterance of a reused `lmwt.rnn`, and the
/// sweep's O(grid) totals; nothing grows with the number of utterances except the sweep's
/// set of utterance ids. The tables are staged in the run's `StagedOutputs`, published by the
/// pipeline only when the whole run has succeeded.
final class RescoringPass {
  private let layout: RescoringLayout
  private let outputs: StagedOutputs
  private let rnnWeights: WeightGrid
  private let interpolation: LMInterpolation
  private let arpa: ARPAModel?
  private let scorer: NBestRNNScorer?
  private let sweep: WeightSweep
  /// Counts the hypotheses whose costs are complete.
  private let progress: ProgressMeter?
  /// Notes for the log (which RNN cost tables are reused), and warnings.
  private let log: (String) -> Void
  private let warn: (String) -> Void
  private var chunker: NBestChunker
  /// Chunks waiting to be scored together, and the input of each of their lists, in order.
  private var wave: [[NBestList]] = []
  private var waveInputs: [Int] = []
  /// One writer per input seen so far; only the last one is open.
  private var tables: [RescoringTableWriter] = []
  private var reused: (input: Int, table: RNNCostTable)?
  private(set) var statistics = PrefixSharingStatistics()
  private(set) var scoringSeconds = 0.0

  /// `scorer` nil: the RNN costs come from `layout.reusedRNNTables`.
  init(
    layout: RescoringLayout, outputs: StagedOutputs, rnnWeights: WeightGrid, interpolation: LMInterpolation,
    arpa: ARPAModel?, scorer: NBestRNNScorer?, sweep: WeightSweep, progress: ProgressMeter? = nil,
    log: @escaping (String) -> Void = { _ in }, warn: @escaping (String) -> Void = { _ in }
  ) {
    self.warn = warn
    self.progress = progress
    self.log = log
    if let scorer, scorer.mode == .unnormalized, !scorer.model.config.loss.trainsSelfNormalization {
      selfNormalizationSample = []
    }
    self.layout = layout
    self.outputs = outputs
    self.rnnWeights = rnnWeights
    self.interpolation = interpolation
    self.arpa = arpa
    self.scorer = scorer
    self.sweep = sweep
    chunker = NBestChunker(chunkHypotheses: scorer?.chunkHypotheses ?? 1)
  }

  /// The first hypotheses (as word ids) of an unnormalized run whose model never trained
  /// self-normalization, until the warning is made (`SelfNormalization`).
  private var selfNormalizationSample: [[Int32]]?
  static let selfNormalizationSampleSize = 200

  /// Adds the next list, read from input `input`.
  func add(_ list: NBestList, input: Int) throws {
    if selfNormalizationSample != nil, let scorer {
      for hypothesis in list.hypotheses where selfNormalizationSample!.count < Self.selfNormalizationSampleSize {
        selfNormalizationSample!.append(hypothesis.words.map { scorer.vocabulary.id(of: $0[...]) })
      }
      if selfNormalizationSample!.count >= Self.selfNormalizationSampleSize { warnAboutSelfNormalization() }
    }
    guard let scorer else {
      if reused?.input != input {
        try reused?.table.finish()
        reused = nil
        reused = (input, try RNNCostTable(directory: layout.tableDirectories[input]))
        log(reused!.table.source)
      }
      var list = list
      try reused!.table.apply(to: &list)
      try complete(list, input: input)
      return
    }
    waveInputs.append(input)
    if let chunk = chunker.add(list) {
      wave.append(chunk)
      if wave.count >= scorer.threads { try scoreWave() }
    }
  }

  /// Scores the last chunk and completes every table (inputs without any list get empty
  /// `lmwt.interp.<w>` files).
  func finish() throws {
    warnAboutSelfNormalization()
    if let chunk = chunker.finish() { wave.append(chunk) }
    try scoreWave()
    try reused?.table.finish()
    reused = nil
    try openTables(upTo: layout.tableDirectories.count - 1)
    try tables.last?.close()
  }

  private func scoreWave() throws {
    guard let scorer, !wave.isEmpty else { return }
    let start = Date()
    statistics = statistics + scorer.score(chunks: &wave)
    scoringSeconds += Date().timeIntervalSince(start)
    var next = 0
    for chunk in wave {
      for list in chunk {
        try Self.checkScored(list)
        try complete(list, input: waveInputs[next])
        next += 1
      }
    }
    wave.removeAll()
    waveInputs.removeAll(keepingCapacity: true)
  }

  /// The costs of a model with finite weights are finite; anything else means its scores
  /// overflowed, and no selection made with such a cost can be trusted.
  static func checkScored(_ list: NBestList) throws {
    for (h, hypothesis) in list.hypotheses.enumerated() {
      guard let cost = hypothesis.rnnCost, !cost.isFinite else { continue }
      throw InputError(
        "RNN cost \(cost) for hypothesis \(list.key(of: h)) of utterance \(list.utteranceID): the model's scores overflow"
      )
    }
  }

  private func warnAboutSelfNormalization() {
    guard let sample = selfNormalizationSample, let scorer else { return }
    selfNormalizationSample = nil
    let sentences = sample.map { ArraySlice($0) }
    if let warning = SelfNormalization.unnormalizedScoringWarning(model: scorer.model, sample: sentences) {
      warn(warning)
    }
  }

  /// N-gram costs, table lines and the sweep for a list that has its RNN costs.
  private func complete(_ list: NBestList, input: Int) throws {
    var list = list
    if let arpa { list.setNgramCosts(from: arpa) }
    try openTables(upTo: input)
    try tables[input].addCosts(of: list)
    try sweep.add(list)
    progress?.advance(by: list.hypotheses.count)
  }

  /// Makes sure the writers of inputs `0...input` exist, closing the previous ones (their
  /// staged files wait for the pipeline to publish them).
  private func openTables(upTo input: Int) throws {
    while tables.count <= input {
      try tables.last?.close()
      let k = tables.count
      tables.append(
        try RescoringTableWriter(
          directory: layout.tableDirectories[k], rnnWeights: rnnWeights, interpolation: interpolation,
          outputs: outputs, writesRNNTable: layout.writesRNNTable(input: k)))
    }
  }
}
