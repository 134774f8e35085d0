import FileIO
import Foundation
import NCECore
import NCEModel
import WERScoring

/// The pipeline of `rescore-lattice`: lattices (Kaldi text archives or HTK SLF) -> sorted and
/// connected -> expanded to n-gram histories and rescored with the RNN (`LatticeRNNRescorer`),
/// once per RNN weight -> the 1-best of every (RNN weight, LMWT, wip) setting -> the sweep,
/// `text`, `wer_*` and `best_weights` exactly as `rescore-nbest` writes them; optionally the
/// rescored lattices, an N-best archive directory and the lattice oracle.
///
/// The sweep: for each RNN weight `w` (or once, under `--merge-rnn-weight`, for all of them,
/// each re-weighting the same RNN costs) the lattice is expanded and merged once (the merge keeps,
/// per merged history, the RNN state of the best path under `mergeWeights(rnnWeight: w)`:
/// `--merge-lmwt`/`--merge-wip`, by default the middle LMWT and wip of the grids; `best_weights`
/// records them, so a rerun with it as `--config` merges and selects as the sweep did). The best path of that rescored lattice under every (LMWT,
/// wip) is found (`LatticeBestPath`); the distinct paths form a small candidate list whose costs
/// are the paths' (acoustic; graph without the old LM as `graphCost`; old LM as `ngramCost`; RNN
/// as `rnnCost`), so `ScoreCombination`'s rule gives every path exactly its lattice cost and
/// rescore-nbest's `WeightSweep` (one per RNN weight) selects, for every setting, that setting's
/// lattice best path. The reports are joined in grid order (RNN weight, LMWT, wip).
///
/// Output policy as `NBestRescoringPipeline`: an output that is an input is refused before any
/// work, every output is staged and published together after `report` succeeded, a failed run
/// leaves earlier outputs byte-identical and removes the directories it created.
public enum LatticeRescoringPipeline {
  /// Runs `configuration`. Errors are `InputError`s naming the file (and line), or
  /// `RescoringUsageError` for a configuration that `validate()` refuses.
  @discardableResult
  public static func run(
    _ configuration: LatticeRescoringConfiguration, log: @escaping (String) -> Void = { _ in },
    warn: @escaping (String) -> Void = { _ in }, progress: ProgressMeter? = nil,
    report: (LatticeRescoringResult) throws -> Void = { _ in }
  ) throws -> LatticeRescoringResult {
    let startTime = ProgressMeter.monotonicSeconds()
    try configuration.validate()
    // `--threads` rescores groups of lattices in parallel, each with single-threaded BLAS (as
    // rescore-nbest): OpenBLAS's own threads would only spin against them on small GEMMs.
    let savedBLASThreads = BLAS.threads
    BLAS.threads = 1
    defer { BLAS.threads = savedBLASThreads }
    let sources = try configuration.lattices.map { try LatticeSource(path: $0, format: configuration.format) }
    let writesHTK = sources.first?.isHTK ?? false
    if configuration.writeLattices != nil && sources.contains(where: { $0.isHTK != writesHTK }) {
      throw RescoringUsageError(
        message: "--write-lattices writes the input format: the --lattices inputs mix Kaldi archives and HTK SLF")
    }
    let out = configuration.outputDirectory
    func path(_ name: String, in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }
    var inputs = sources.map { OutputOverlap.Input.directory($0.path, name: "--lattices") }
    inputs.append(.init(configuration.symbolTable, name: "--symbol-table"))
    inputs.append(.init(configuration.model, name: "--model"))
    if let oldLM = configuration.oldLM { inputs.append(.init(oldLM, name: "--old-lm")) }
    if let wordMap = configuration.wordMap { inputs.append(.init(wordMap, name: "--word-map")) }
    if let reference = configuration.reference { inputs.append(.init(reference, name: "--ref")) }
    var outputPaths = [path("text", in: out)]
    if configuration.reference != nil {
      outputPaths.append(path(WeightSweepReport.bestWeightsFileName, in: out))
      outputPaths += settingNames(configuration).map { path($0, in: out) }
    }
    if configuration.oracle { outputPaths.append(path(oracleFileName, in: out)) }
    if let oracleText = configuration.oracleText { outputPaths.append(oracleText) }
    let latticeOutput = try configuration.writeLattices.map { try latticeOutputPath($0, htk: writesHTK) }
    if let latticeOutput {
      if writesHTK {
        let target = (latticeOutput as NSString).standardizingPath
        if let input = sources.first(where: { ($0.path as NSString).standardizingPath == target }) {
          throw InputError(
            "--write-lattices would write into the --lattices input directory \(input.path)", file: latticeOutput)
        }
      } else {
        outputPaths.append(latticeOutput)
      }
    }
    if let nbest = configuration.nbest { outputPaths += nbestFileNames.map { path($0, in: nbest.directory) } }
    try OutputOverlap.refuse(outputs: outputPaths, inputs: inputs)

    let symbols = try SymbolTable(path: configuration.symbolTable)
    let file = try ModelFile.read(path: configuration.model, optimizerState: false)
    try file.model.checkSupports(configuration.scoring)
    let oov = try OOVCost.resolve(
      unkPenalty: configuration.unkPenalty, oovTypes: configuration.oovTypes, vocabulary: file.vocabulary)
    if let note = oov.note { log(note) }
    let wordMap = try configuration.wordMap.map { try LatticeWordMap(path: $0) }
    let tokens = LatticeTokenSequences(symbols: symbols, vocabulary: file.vocabulary, wordMap: wordMap)
    let oldLM = try configuration.oldLM.map { path in
      let model = try ARPAModel(path: path)
      return (model: model, wordIDs: LatticeRNNRescorer.arpaWordIDs(symbols: symbols, model: model))
    }
    let rescorers = (0..<configuration.threads).map { _ in
      LatticeRNNRescorer(model: file.model, mode: configuration.scoring, oovCost: oov, tokens: tokens)
    }
    let referenceTexts = try configuration.reference.map(KaldiTextReader.readInOrder)
    let referenceWords = Dictionary(referenceTexts ?? [], uniquingKeysWith: { first, _ in first })

    var directories = [out]
    if let nbest = configuration.nbest { directories.append(nbest.directory) }
    if writesHTK, let latticeOutput { directories.append(latticeOutput) }
    let createdDirectories = try RescoringLayout.createDirectories(directories)
    let outputs = StagedOutputs()
    var succeeded = false
    defer {
      if !succeeded {
        outputs.discard()
        RescoringLayout.removeIfEmpty(createdDirectories)
      }
    }
    let sweeps = try configuration.rnnWeights.labels.map { label in
      try WeightSweep(
        rnnWeights: WeightGrid(parsing: label, name: "--rnn-weights"), lmWeights: configuration.lmWeights,
        insertionPenalties: configuration.insertionPenalties, references: referenceTexts, rules: configuration.rules,
        scratchDirectory: out, inputKind: .lattice)
    }
    let latticeStream = try latticeOutput.flatMap { writesHTK ? nil : try outputs.stream(for: $0) }
    let nbestStreams = try configuration.nbest.map { nbest in
      try nbestFileNames.map { try outputs.stream(for: path($0, in: nbest.directory)) }
    }
    let oracleStream = try configuration.oracleText.map { try outputs.stream(for: $0) }
    var oracleSummary = WERSummary()
    var oracleSeen: Set<String> = []
    var statistics = LatticeRescoringStatistics()
    let context = UtteranceContext(
      configuration: configuration, symbols: symbols, references: referenceWords, writesHTK: writesHTK,
      oldLM: oldLM, wordMap: wordMap.map { ($0, $0.tokenSymbols(of: symbols)) })

    let chunkSize = groupSize * configuration.threads
    for source in sources {
      while true {
        var chunk: [(lattice: Lattice, header: HTKLatticeHeader?)] = []
        while chunk.count < chunkSize, let next = try source.next(symbols: symbols) { chunk.append(next) }
        if chunk.isEmpty { break }
        let outcomes = try rescoreChunk(chunk, rescorers: rescorers, context: context)
        for outcome in outcomes {
          statistics.add(outcome.statistics)
          progress?.advance()
          guard !outcome.lists.isEmpty else {
            warn("lattice '\(outcome.key)' has no complete path: no hypothesis for it")
            continue
          }
          for (sweep, list) in zip(sweeps, outcome.lists) { try sweep.add(list) }
          if let text = outcome.latticeText {
            if let latticeStream {
              try latticeStream.write(text)
            } else if let latticeOutput {
              try outputs.write(
                text: text, to: path(outcome.latticeFileName ?? outcome.key + ".lat", in: latticeOutput))
            }
          }
          if let nbestStreams { try writeNBest(outcome.nbest, key: outcome.key, to: nbestStreams) }
          if let oracle = outcome.oracle {
            oracleSummary.add(oracle.counts)
            oracleSeen.insert(outcome.key)
            try oracleStream?.write(textLine(outcome.key, oracle.words) + "\n")
          }
        }
      }
    }
    progress?.finish()
    statistics.seconds = ProgressMeter.monotonicSeconds() - startTime
    log(
      statistics.description(
        order: configuration.maxNgramOrder,
        rnnWeights: configuration.mergeRNNWeight == nil ? configuration.rnnWeights.values.count : 1))

    var reports: [WeightSweepReport] = []
    for sweep in sweeps {
      do { reports.append(try sweep.run()) } catch var error as InputError where error.file == nil {
        error.file = configuration.reference
        throw error
      }
    }
    let sweepReport = WeightSweepReport(joining: reports)
    if sweepReport.scored {
      try sweepReport.stageWERFiles(directory: out, in: outputs)
      // The merge setting too, so that a run with --config best_weights merges and selects as the sweep did.
      let merge = configuration.mergeWeights(rnnWeight: sweepReport.bestSetting.rnnWeight)
      let mergeRNN = configuration.mergeRNNWeight.map { "--merge-rnn-weight=\($0)\n" } ?? ""
      try outputs.write(
        text: sweepReport.bestWeightsConfig(
          interpolation: .logLinear, scorerOOVCost: oov.penalty, tool: "rescore-lattice")
          + "--merge-lmwt=\(merge.lmWeight)\n--merge-wip=\(merge.insertionPenalty)\n" + mergeRNN,
        to: path(WeightSweepReport.bestWeightsFileName, in: out))
    }
    var oracle: WERSummary?
    if configuration.oracle {
      for (key, words) in referenceTexts ?? [] where !oracleSeen.contains(key) {
        oracleSummary.addMissing()
        if configuration.rules.mode == .all {
          oracleSummary.add(EditCounts(deletions: words.count, referenceWords: words.count))
        }
      }
      oracle = oracleSummary
      try outputs.write(text: oracleSummary.kaldiReport(), to: path(oracleFileName, in: out))
      let first = oracleSummary.kaldiReport().split(separator: "\n").first.map(String.init) ?? ""
      log("lattice oracle: \(first)")
    }
    let text = try outputs.stream(for: path("text", in: out))
    var offset = 0
    for (sweep, part) in zip(sweeps, reports) {
      if sweepReport.bestIndex < offset + part.settings.count {
        try sweep.forEachSelectedLine(setting: sweepReport.bestIndex - offset) { try text.write($0 + "\n") }
        break
      }
      offset += part.settings.count
    }
    try text.close(sync: false)
    try latticeStream?.close(sync: false)
    try oracleStream?.close(sync: false)
    for stream in nbestStreams ?? [] { try stream.close(sync: false) }
    let result = LatticeRescoringResult(
      report: sweepReport, outputDirectory: out, outputs: outputs.paths, statistics: statistics, oracle: oracle)
    try report(result)
    try outputs.publish()
    succeeded = true
    return result
  }

  /// The file of the oracle WER (compute-wer's three lines) in the output directory.
  public static let oracleFileName = "oracle_wer"
  /// The files of an `--nbest` directory (Kaldi's `rnnlmrescore.sh` archive layout).
  public static let nbestFileNames = ["words_text", "acwt", "lmwt.nolm", "lmwt.lmonly"]

  /// Lattices rescored together by one thread (`LatticeRNNRescorer`'s group call: one forward
  /// and one output batch per level for the whole group; memory grows with it).
  static let groupSize = 16

  /// The one call of the rescorer: expands each lattice of `group` to the configured order
  /// (at least the `--old-lm` model's) and rescores it under `weights` and the configured
  /// pruning. The old n-gram cost removed from each arc and final: `--old-lm`'s, recomputed on
  /// the expanded lattice; else what the lattice states (SLF `l=`); else the whole graph cost
  /// (the n-gram part and whatever else the decoder folded into it: `w` scales all of it; an
  /// infinite graph cost keeps an old LM cost of 0, so the arc stays impossible).
  static func rescore(
    _ group: [Lattice], with rescorer: LatticeRNNRescorer, configuration: LatticeRescoringConfiguration,
    oldLM: (model: ARPAModel, wordIDs: [Int32])?, weights: LatticeRNNRescorer.Weights
  ) throws -> [LatticeRNNRescorer.Result] {
    func graphAsOldLM(_ graph: Double) -> Double { graph.isFinite ? graph : 0 }
    let sources = group.map { lattice -> LatticeRNNRescorer.OldLMSource in
      if let oldLM { return .arpa(oldLM.model, wordIDs: oldLM.wordIDs) }
      if let stated = LatticeRNNRescorer.OldLMCosts(statedIn: lattice) { return .given(stated) }
      return .given(
        LatticeRNNRescorer.OldLMCosts(
          arcs: lattice.arcs.map { graphAsOldLM($0.weight.graph) },
          finals: lattice.finals.map { $0.map { graphAsOldLM($0.weight.graph) } ?? 0 }))
    }
    let pruning = LatticeRNNRescorer.Pruning(
      beam: configuration.composeBeam ?? .infinity, maxArcs: configuration.maxArcs)
    return try rescorer.rescore(
      group, maxNgramOrder: configuration.maxNgramOrder, oldLM: sources, weights: weights, pruning: pruning)
  }

  /// The `wer_*` names of the configuration's grid, in grid order.
  static func settingNames(_ configuration: LatticeRescoringConfiguration) -> [String] {
    var names: [String] = []
    for w in configuration.rnnWeights.labels {
      for lmwt in configuration.lmWeights.labels {
        for wip in configuration.insertionPenalties.labels {
          names.append(
            SweepSetting(
              rnnWeight: 0, lmWeight: 1, insertionPenalty: 0, rnnWeightLabel: w, lmWeightLabel: lmwt,
              insertionPenaltyLabel: wip
            ).werName)
        }
      }
    }
    return names
  }

  /// The file a Kaldi `--write-lattices` wspecifier names (`ark,t:FILE`, `ark:FILE`, FILE), or
  /// the directory for SLF. Pipes are refused: a staged output must be a file.
  static func latticeOutputPath(_ specifier: String, htk: Bool) throws -> String {
    func refuse(_ message: String) -> RescoringUsageError { RescoringUsageError(message: message) }
    if htk { return specifier }
    var path = Substring(specifier)
    if let colon = path.firstIndex(of: ":"), path[..<colon].hasPrefix("ark") {
      let flags = path[path.index(path.startIndex, offsetBy: 3)..<colon].split(separator: ",")
      guard flags.allSatisfy({ $0 == "t" }) else {
        throw refuse("--write-lattices takes ark,t:FILE, ark:FILE or FILE, got '\(specifier)'")
      }
      path = path[path.index(after: colon)...]
    }
    let trimmed = path.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty || trimmed == "-" || trimmed.hasPrefix("|") || trimmed.hasSuffix("|") {
      throw refuse(
        "--write-lattices needs a file (outputs are published when the run succeeds): convert afterwards, e.g. lattice-copy ark,t:FILE \"ark:| gzip -c > lat.1.gz\""
      )
    }
    return trimmed
  }

  static func textLine(_ key: String, _ words: [String]) -> String {
    words.isEmpty ? key : key + " " + words.joined(separator: " ")
  }

  static func writeNBest(_ hypotheses: [NBestHypothesis], key: String, to streams: [AtomicFileStream]) throws {
    for hypothesis in hypotheses {
      let id = "\(key)-\(hypothesis.rank)"
      try streams[0].write(textLine(id, hypothesis.words) + "\n")
      try streams[1].write("\(id) \(KaldiLatticeWriter.formatCost(hypothesis.acousticCost))\n")
      try streams[2].write("\(id) \(KaldiLatticeWriter.formatCost(hypothesis.graphCost))\n")
      try streams[3].write("\(id) \(KaldiLatticeWriter.formatCost(hypothesis.ngramCost ?? 0))\n")
    }
  }

  /// Rescores the lattices of `chunk` on up to `rescorers.count` threads, in groups of
  /// `groupSize` consecutive lattices (the same groups for any number of threads, so the
  /// outcomes, in chunk order, do not depend on it).
  static func rescoreChunk(
    _ chunk: [(lattice: Lattice, header: HTKLatticeHeader?)], rescorers: [LatticeRNNRescorer],
    context: UtteranceContext
  ) throws -> [UtteranceOutcome] {
    let groups = stride(from: 0, to: chunk.count, by: groupSize).map { $0..<min($0 + groupSize, chunk.count) }
    var results = [Result<[UtteranceOutcome], Error>?](repeating: nil, count: groups.count)
    let workers = min(rescorers.count, groups.count)
    results.withUnsafeMutableBufferPointer { results in
      parallelFor(workers, threads: workers) { worker in
        for index in stride(from: worker, to: groups.count, by: workers) {
          results[index] = Result { try context.process(Array(chunk[groups[index]]), rescorer: rescorers[worker]) }
        }
      }
    }
    return try results.flatMap { try $0!.get() }
  }
}

/// What a run of `LatticeRescoringPipeline` produced.
public struct LatticeRescoringResult: Sendable {
  public let report: WeightSweepReport
  public let outputDirectory: String
  /// Every file the run writes, in staging order.
  public let outputs: [String]
  public let statistics: LatticeRescoringStatistics
  /// The oracle totals with `--oracle`.
  public let oracle: WERSummary?

  /// What `rescore-lattice` prints on stdout: with a reference, rescore-nbest's lines (every
  /// setting's `%WER` line, the `#` summary) plus, with `--oracle`, a `# lattice oracle:` line,
  /// then the best setting's line last; without a reference, nothing.
  public var standardOutput: String {
    guard report.scored else { return "" }
    let prefix = outputDirectory + "/"
    var text = report.werLines(prefix: prefix) + report.summaryLines(prefix: prefix)
    if let oracle {
      let rate = oracle.kaldiReport().split(separator: " ", maxSplits: 2).dropFirst().first ?? ""
      text +=
        "# lattice oracle: \(rate) [ \(oracle.counts.errors) / \(oracle.counts.referenceWords) ] \(prefix)\(LatticeRescoringPipeline.oracleFileName)\n"
    }
    return text + report.bestWERLine(prefix: prefix)
  }
}

/// Counts of a run (the log's statistics line).
public struct LatticeRescoringStatistics: Sendable, Equatable {
  public var lattices = 0
  /// Lattices without a complete path (no hypothesis).
  public var emptyLattices = 0
  public var statesIn = 0
  public var arcsIn = 0
  /// The expanded lattices' states and arcs (the expansion does not depend on the RNN weight).
  public var statesOut = 0
  public var arcsOut = 0
  /// Summed over the rescorings (one per RNN weight).
  public var rnnStates = 0
  public var rnnTargets = 0
  public var batches = 0
  public var seconds = 0.0

  public init() {}

  public var expansionFactor: Double { Double(arcsOut) / Double(max(arcsIn, 1)) }

  mutating func add(_ other: LatticeRescoringStatistics) {
    lattices += other.lattices
    emptyLattices += other.emptyLattices
    statesIn += other.statesIn
    arcsIn += other.arcsIn
    statesOut += other.statesOut
    arcsOut += other.arcsOut
    rnnStates += other.rnnStates
    rnnTargets += other.rnnTargets
    batches += other.batches
  }

  func description(order: Int, rnnWeights: Int) -> String {
    String(
      format:
        "%d lattices (%d without a complete path): %d states, %d arcs in; expanded at order %d: %d states, %d arcs (x%.2f); %d rescoring(s) per lattice: %d RNN states, %d word costs, %d batches; %.2f s",
      lattices, emptyLattices, statesIn, arcsIn, order, statesOut, arcsOut, expansionFactor, rnnWeights, rnnStates,
      rnnTargets, batches, seconds)
  }
}

/// One lattice input: a Kaldi archive, an SLF directory or one SLF file.
final class LatticeSource {
  enum Kind {
    case kaldi(KaldiLatticeReader)
    case htkDirectory(HTKLatticeDirectoryReader?)
    case htkFile(done: Bool)
  }

  let path: String
  private let format: LatticeRescoringConfiguration.Format
  private var kind: Kind?

  init(path: String, format: LatticeRescoringConfiguration.Format) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    switch format {
    case .kaldi: self.format = .kaldi
    case .htk, .auto:
      if exists && isDirectory.boolValue {
        self.format = .htk
      } else if format == .htk || HTKLatticeDirectoryReader.isLatticeFileName((path as NSString).lastPathComponent) {
        if !exists { throw InputError("no such file or directory", file: path) }
        self.format = .auto
      } else {
        self.format = .kaldi
      }
    }
  }

  /// Whether the input is SLF (a directory: `.htk`; one file: `.auto`).
  var isHTK: Bool { format != .kaldi }

  /// The next lattice (with its SLF header), nil at the end. Opens the input on first use.
  func next(symbols: SymbolTable) throws -> (lattice: Lattice, header: HTKLatticeHeader?)? {
    if kind == nil {
      switch format {
      case .kaldi: kind = .kaldi(try KaldiLatticeReader(rspecifier: path))
      case .htk: kind = .htkDirectory(try HTKLatticeDirectoryReader(directory: path, symbols: symbols))
      case .auto: kind = .htkFile(done: false)
      }
    }
    switch kind! {
    case .kaldi(let reader): return try reader.next().map { ($0, nil) }
    case .htkDirectory(let reader): return try reader?.next().map { ($0.lattice, $0.header) }
    case .htkFile(let done):
      if done { return nil }
      kind = .htkFile(done: true)
      let read = try HTKLatticeReader.read(path: path, symbols: symbols)
      return (read.lattice, read.header)
    }
  }
}

/// The per-utterance work, shared read-only by the threads.
struct UtteranceContext: @unchecked Sendable {
  let configuration: LatticeRescoringConfiguration
  let symbols: SymbolTable
  let references: [String: [String]]
  let writesHTK: Bool
  /// `--old-lm` and its ids of the symbol table's words.
  let oldLM: (model: ARPAModel, wordIDs: [Int32])?
  /// `--word-map` with its token table: hypotheses, texts and the oracle are in tokens.
  let wordMap: (map: LatticeWordMap, tokens: (table: SymbolTable, tokensOfWord: [Int32: [Int32]]))?

  /// The words (with `--word-map`: the tokens) of lattice word ids.
  func words(_ ids: [Int32]) -> [String] {
    guard let wordMap else { return ids.map { symbols.word(of: $0)! } }
    return ids.flatMap { wordMap.map.tokens(of: symbols.word(of: $0)!) }
  }

  /// Prepares, rescores (once per RNN weight, the group together) and selects each lattice of
  /// `group`; the outcomes are in group order.
  func process(
    _ group: [(lattice: Lattice, header: HTKLatticeHeader?)], rescorer: LatticeRNNRescorer
  ) throws -> [UtteranceOutcome] {
    var outcomes: [UtteranceOutcome] = []
    var prepared: [(lattice: Lattice, outcome: Int)] = []
    for input in group {
      let input = input.lattice
      var outcome = UtteranceOutcome(key: input.key)
      outcome.statistics.lattices = 1
      for arc in input.arcs where arc.word != 0 && symbols.word(of: arc.word) == nil {
        throw input.error("word id \(arc.word) is not in the symbol table (--symbol-table)")
      }
      let lattice = LatticeTopology.connected(try LatticeTopology.topologicallySorted(input)).lattice
      outcome.statistics.statesIn = input.stateCount
      outcome.statistics.arcsIn = input.arcs.count
      if lattice.isEmpty {
        outcome.statistics.emptyLattices = 1
      } else {
        prepared.append((lattice, outcomes.count))
      }
      outcomes.append(outcome)
    }
    guard !prepared.isEmpty else { return outcomes }
    // With --merge-rnn-weight one rescoring serves every RNN weight (its costs re-weighted).
    var shared: [LatticeRNNRescorer.Result]?
    // One best-path search per rescoring, reused by every (LMWT, wip) and re-weighting.
    var searches: [LatticeBestPath.Search] = []
    for (k, w) in configuration.rnnWeights.values.enumerated() {
      let results: [LatticeRNNRescorer.Result]
      if let shared {
        results = shared
      } else {
        results = try LatticeRescoringPipeline.rescore(
          prepared.map(\.lattice), with: rescorer, configuration: configuration, oldLM: oldLM,
          weights: configuration.mergeWeights(rnnWeight: configuration.mergeRNNWeight ?? w))
        for (item, result) in zip(prepared, results) {
          outcomes[item.outcome].statistics.rnnStates += result.rnnStates
          outcomes[item.outcome].statistics.rnnTargets += result.rnnTargets
          outcomes[item.outcome].statistics.batches += result.batches
        }
        if configuration.mergeRNNWeight != nil { shared = results }
        searches = try results.map { try LatticeBestPath.Search($0.lattice) }
      }
      for (index, (item, result)) in zip(prepared, results).enumerated() {
        try select(
          item.lattice, rescoring: result, search: &searches[index], rnnWeight: w, first: k == 0,
          header: group[item.outcome].header, into: &outcomes[item.outcome])
      }
    }
    if configuration.oracle {
      for item in prepared {
        guard let reference = references[item.lattice.key] else { continue }
        let lattice: Lattice
        let table: SymbolTable
        if let wordMap {
          lattice = LatticeWordMap.tokenLattice(of: item.lattice, tokensOfWord: wordMap.tokens.tokensOfWord)
          table = wordMap.tokens.table
        } else {
          (lattice, table) = (item.lattice, symbols)
        }
        let ids = reference.map { table.id(of: $0) ?? -1 }
        if let oracle = try LatticeOracle.find(in: lattice, reference: ids) {
          let hypothesis = oracle.words.map { table.word(of: $0)! }
          outcomes[item.outcome].oracle = (
            hypothesis, WordAligner.counts(reference: reference, hypothesis: hypothesis)
          )
        }
      }
    }
    return outcomes
  }

  /// The candidate list of RNN weight `w` (the best path of every (LMWT, wip) of the rescored
  /// lattice) and, for the first RNN weight, the rescored lattice and N-best outputs. `search`
  /// is `rescoring.lattice`'s; its graph costs are set to those of `w`.
  func select(
    _ lattice: Lattice, rescoring: LatticeRNNRescorer.Result, search: inout LatticeBestPath.Search,
    rnnWeight w: Double, first: Bool, header: HTKLatticeHeader?, into outcome: inout UtteranceOutcome
  ) throws {
    var rescored = rescoring
    if let merge = configuration.mergeRNNWeight {
      let costs: (arcs: [Double], finals: [Double]) =
        merge != w
        ? Self.reweightedGraphCosts(rescored, original: lattice, rnnWeight: w)
        : (rescored.lattice.arcs.map(\.weight.graph), rescored.lattice.finals.map { $0?.weight.graph ?? 0 })
      search.setGraphCosts(arcs: costs.arcs, finals: costs.finals)
      if merge != w && first && (configuration.writeLattices != nil || configuration.nbest != nil) {
        rescored.lattice = Self.reweighted(rescored.lattice, graphCosts: costs)
      }
    }
    if first {
      outcome.statistics.statesOut = rescored.lattice.stateCount
      outcome.statistics.arcsOut = rescored.lattice.arcs.count
    }
    func hypothesis(_ path: LatticeBestPath, rank: Int) -> NBestHypothesis {
      var nolm = 0.0
      var old = 0.0
      var rnn = rescored.finalRNNCosts[Int(path.finalState)]
      for index in path.arcs {
        let original = Int(rescored.expansion.originalArcs[index])
        nolm += lattice.arcs[original].weight.graph - rescored.arcOldLMCosts[index]
        old += rescored.arcOldLMCosts[index]
        rnn += rescored.arcRNNCosts[index]
      }
      let state = Int(rescored.expansion.originalStates[Int(path.finalState)])
      nolm += lattice.finals[state]!.weight.graph - rescored.finalOldLMCosts[Int(path.finalState)]
      old += rescored.finalOldLMCosts[Int(path.finalState)]
      return NBestHypothesis(
        rank: rank, words: words(path.words), acousticCost: path.weight.acoustic, graphCost: nolm, ngramCost: old,
        rnnCost: rnn)
    }
    var paths: [LatticeBestPath] = []
    for lmwt in configuration.lmWeights.values {
      for wip in configuration.insertionPenalties.values {
        guard let path = search.find(lmWeight: lmwt, wordInsertionPenalty: wip) else { continue }
        if !paths.contains(where: { $0.arcs == path.arcs && $0.finalState == path.finalState }) { paths.append(path) }
      }
    }
    outcome.lists.append(
      NBestList(
        utteranceID: lattice.key, hypotheses: paths.enumerated().map { hypothesis($0.element, rank: $0.offset + 1) }))
    guard first else { return }
    if configuration.writeLattices != nil {
      if writesHTK {
        outcome.latticeText = try HTKLatticeWriter.text(
          of: rescored.lattice, header: header ?? HTKLatticeHeader(), symbols: symbols)
        // Outputs are written uncompressed: the input's name without `.gz`/`.zst`.
        outcome.latticeFileName = lattice.sourceFile.map { String(HTKLatticeReader.fileName(ofPath: $0)) }
      } else {
        var text = ""
        KaldiLatticeWriter.append(rescored.lattice, to: &text)
        outcome.latticeText = text
      }
    }
    if let nbest = configuration.nbest {
      let best = try LatticeNBestPaths.find(
        in: rescored.lattice, count: nbest.count, lmWeight: configuration.lmWeights.values[0],
        wordInsertionPenalty: configuration.insertionPenalties.values[0])
      outcome.nbest = best.enumerated().map { rank, path in
        var row = hypothesis(path, rank: rank + 1)
        // The rescored LM cost becomes the archive's n-gram cost (lmwt.lmonly).
        var lm = 0.0
        if w != 0 { lm += w * (row.rnnCost ?? 0) }
        if w != 1 { lm += (1 - w) * (row.ngramCost ?? 0) }
        row.ngramCost = lm
        return row
      }
    }
  }
}

extension UtteranceContext {
  /// The graph costs of RNN weight `w` (the rule of `LatticeRNNRescorer`,
  /// `g - lm_old + w*rnn + (1-w)*lm_old`) for `result.lattice`'s arcs and states (0 for a
  /// non-final state), from the result's RNN and old LM costs: the same expansion and merge,
  /// another weight.
  static func reweightedGraphCosts(_ result: LatticeRNNRescorer.Result, original: Lattice, rnnWeight w: Double) -> (
    arcs: [Double], finals: [Double]
  ) {
    let expansion = result.expansion
    let arcs = result.lattice.arcs.indices.map { index in
      LatticeRNNRescorer.interpolatedGraphCost(
        graph: original.arcs[Int(expansion.originalArcs[index])].weight.graph, oldLM: result.arcOldLMCosts[index],
        rnn: result.arcRNNCosts[index], rnnWeight: w)
    }
    let finals = result.lattice.finals.indices.map { state -> Double in
      guard result.lattice.finals[state] != nil else { return 0 }
      return LatticeRNNRescorer.interpolatedGraphCost(
        graph: original.finals[Int(expansion.originalStates[state])]!.weight.graph,
        oldLM: result.finalOldLMCosts[state], rnn: result.finalRNNCosts[state], rnnWeight: w)
    }
    return (arcs, finals)
  }

  /// `lattice` with `graphCosts` (`reweightedGraphCosts`) as its arcs' and final states' graph costs.
  static func reweighted(_ lattice: Lattice, graphCosts: (arcs: [Double], finals: [Double])) -> Lattice {
    var arcs = lattice.arcs
    for index in arcs.indices { arcs[index].weight.graph = graphCosts.arcs[index] }
    var finals = lattice.finals
    for state in finals.indices where finals[state] != nil { finals[state]!.weight.graph = graphCosts.finals[state] }
    var reweighted = Lattice(
      key: lattice.key, kind: lattice.kind, start: lattice.start, arcOffsets: lattice.arcOffsets, arcs: arcs,
      finals: finals, transitionIDs: lattice.transitionIDs, stateTimes: lattice.stateTimes)
    reweighted.sourceFile = lattice.sourceFile
    reweighted.sourceLine = lattice.sourceLine
    return reweighted
  }
}

/// One lattice's results, in the order the pipeline consumes them.
struct UtteranceOutcome {
  var key: String
  /// The candidate list of each RNN weight (empty when the lattice has no complete path).
  var lists: [NBestList] = []
  var statistics = LatticeRescoringStatistics()
  /// The rescored lattice in the output format (`--write-lattices`).
  var latticeText: String?
  /// An SLF output's file name in the output directory: its input file's name, as HTK tools
  /// name their output lattices (a key such as `UTTERANCE=spk1/utt1` is no file name).
  var latticeFileName: String?
  /// The N best distinct sequences (`--nbest`), costs as the archive holds them.
  var nbest: [NBestHypothesis] = []
  var oracle: (words: [String], counts: EditCounts)?

  init(key: String) { self.key = key }
}

extension WeightSweepReport {
  /// The reports of sweeps over consecutive parts of one grid (one sweep per RNN weight), as
  /// one report in grid order; the best is the first setting with the fewest errors.
  init(joining parts: [WeightSweepReport]) {
    let summaries = parts.flatMap(\.summaries)
    var best = 0
    for index in summaries.indices where summaries[index].counts.errors < summaries[best].counts.errors { best = index }
    self.init(
      settings: parts.flatMap(\.settings), summaries: summaries, bestIndex: best, scored: parts.first?.scored ?? false)
  }
}
