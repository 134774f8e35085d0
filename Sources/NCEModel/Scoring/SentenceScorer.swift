import FileIO
import NCECore

/// Scores whole sentences with the model's forward pass: the cost of a sentence is
/// `-ln P(w1..wn </s> | <s>)` (natural log; `<s>` is context only). Sentences are sorted by
/// length and run `batchSize` at a time through one forward pass, so each step is a GEMM over
/// many sentences; with `threads > 1` batches run in parallel, each with its own activations.
/// Results do not depend on `threads` or `batchSize` beyond float rounding in BLAS.
public struct SentenceScorer {
  public let model: RNNLanguageModel
  public var mode: ScoringMode
  public var batchSize: Int
  public var threads: Int
  /// Advanced by the sentences of every scored batch (from any thread), so long scoring jobs
  /// show progress while a piece is being scored.
  public var progress: ProgressMeter?
  /// Layer 0's input projections, looked up instead of multiplied (see `InputProjectionCache`);
  /// the model's weights must not change while this scorer is in use.
  let inputProjection: InputProjectionCache

  public init(model: RNNLanguageModel, mode: ScoringMode = .normalized, batchSize: Int = 64, threads: Int = 1) {
    self.model = model
    self.mode = mode
    self.batchSize = max(1, batchSize)
    self.threads = max(1, threads)
    inputProjection = InputProjectionCache(model: model)
  }

  /// Per-sentence and per-word results.
  public struct Result: Sendable {
    /// Cost of each sentence, `</s>` included.
    public var sentenceCosts: [Double]
    /// Cost of each predicted token, `sentence.count + 1` per sentence (last is `</s>`).
    public var wordCosts: [[Float]]
    /// `ln Σ_w exp s(w,h) - lnZ` for every predicted token (normalized mode only; empty otherwise).
    public var logNormalizerOffsets: [Float]
  }

  /// Scores `sentences` (word ids without `<s>`/`</s>`). A model with the GRU index module
  /// has unnormalized scores only: call `model.checkSupports(mode)` first (normalized mode on
  /// such a model is a programming error).
  public func score(_ sentences: [ArraySlice<Int32>], keepWordCosts: Bool = false, keepLogNormalizers: Bool = false)
    -> Result
  {
    precondition(mode == .unnormalized || model.hasNormalizedScores, PerplexityUndefinedError().description)
    let order = sentences.indices.sorted { sentences[$0].count < sentences[$1].count }
    let groups = stride(from: 0, to: order.count, by: batchSize).map {
      Array(order[$0..<min(order.count, $0 + batchSize)])
    }
    var groupResults = [[(index: Int, cost: Double, words: [Float], norms: [Float])]](
      repeating: [], count: groups.count)
    let table = inputProjection.table()
    let savedThreads = BLAS.threads
    if threads > 1 { BLAS.threads = 1 }
    groupResults.withUnsafeMutableBufferPointer { results in
      parallelFor(groups.count, threads: threads) { g in
        results[g] = scoreGroup(
          groups[g].map { ($0, sentences[$0]) }, table: table, keepWordCosts: keepWordCosts,
          keepLogNormalizers: keepLogNormalizers)
        progress?.advance(by: groups[g].count)
      }
    }
    if threads > 1 { BLAS.threads = savedThreads }
    var result = Result(
      sentenceCosts: [Double](repeating: 0, count: sentences.count),
      wordCosts: keepWordCosts ? [[Float]](repeating: [], count: sentences.count) : [], logNormalizerOffsets: [])
    for group in groupResults {
      for entry in group {
        result.sentenceCosts[entry.index] = entry.cost
        if keepWordCosts { result.wordCosts[entry.index] = entry.words }
        result.logNormalizerOffsets += entry.norms
      }
    }
    return result
  }

  /// Scores the sentences `next()` returns until it returns nil, in pieces of about
  /// `pieceTokens` predicted tokens (words plus `</s>`), and calls `body` with each piece's
  /// sentence costs in input order: memory does not grow with the number of sentences.
  public func scoreInPieces(
    pieceTokens: Int = 1 << 20, next: () throws -> [Int32]?, body: ([Double]) throws -> Void
  ) throws {
    var piece: [[Int32]] = []
    var tokens = 0
    while let sentence = try next() {
      piece.append(sentence)
      tokens += sentence.count + 1
      if tokens >= pieceTokens {
        try body(score(piece.map { $0[...] }).sentenceCosts)
        piece.removeAll(keepingCapacity: true)
        tokens = 0
      }
    }
    if !piece.isEmpty { try body(score(piece.map { $0[...] }).sentenceCosts) }
  }

  private func scoreGroup(
    _ group: [(index: Int, words: ArraySlice<Int32>)], table: Matrix?, keepWordCosts: Bool, keepLogNormalizers: Bool
  ) -> [(index: Int, cost: Double, words: [Float], norms: [Float])] {
    // Longest first, so the lanes still running at each step are a prefix (`activeLanes`).
    let group = group.sorted { $0.words.count > $1.words.count }
    let batch = group.count
    let steps = (group.map(\.words.count).max() ?? 0) + 1
    let activeLanes = (0..<steps).map { t in Int32(group.prefix { $0.words.count >= t }.count) }
    // Packed time-major order: at step t the lanes still running; the input is <s> or the
    // previous word, the target the next word or </s>.
    var inputs: [Int32] = []
    var targets: [Int32] = []
    var owners: [Int] = []
    var direct = model.output.direct.map { DirectRows(for: $0) }
    for t in 0..<steps {
      for (b, entry) in group.enumerated() where t <= entry.words.count {
        let start = entry.words.startIndex
        inputs.append(t == 0 ? Vocabulary.bosID : entry.words[start + t - 1])
        targets.append(t < entry.words.count ? entry.words[start + t] : Vocabulary.eosID)
        owners.append(b)
        // The j-th most recent history word is the input of step t - j + 1.
        direct?.append(historyCount: t + 1) { j in t - j + 1 == 0 ? Vocabulary.bosID : entry.words[start + t - j] }
      }
    }
    var states = model.initialState(batch: batch)
    var cache = model.makeCache()
    cache.inputProjectionTable = table
    var rng = SeededGenerator(seed: 0)  // unused: no dropout at evaluation
    let realHidden = model.forward(
      inputs: inputs, layout: StepLayout(batch: batch, activeLanes: activeLanes), states: &states, cache: &cache,
      training: false, using: &rng)
    let logScores: [Float]
    var norms: [Float] = []
    switch mode {
    case .normalized:
      let (logProbs, logNormalizers) = targets.withUnsafeBufferPointer {
        model.output.normalizedLogProbabilities(realHidden, targets: $0, direct: direct)
      }
      logScores = logProbs
      if keepLogNormalizers { norms = logNormalizers.map { $0 - model.config.normTerm } }
    case .unnormalized:
      let lnZ = model.config.normTerm
      logScores = targets.withUnsafeBufferPointer {
        model.unnormalizedTargetScores(realHidden, targets: $0, direct: direct)
      }.map {
        $0 - lnZ
      }
    }
    var costs = [Double](repeating: 0, count: batch)
    var words = [[Float]](repeating: [], count: keepWordCosts ? batch : 0)
    for (i, owner) in owners.enumerated() {
      costs[owner] -= Double(logScores[i])
      if keepWordCosts { words[owner].append(-logScores[i]) }
    }
    return group.enumerated().map { b, entry in
      (entry.index, costs[b], keepWordCosts ? words[b] : [], b == 0 ? norms : [])
    }
  }
}
