import NCECore
import NCEModel

/// Sets the RNN LM costs of N-best hypotheses (`NBestHypothesis.setRNNWordCosts`): per word
/// and `</s>`, `-ln p` from the model, plus `oovCost.penalty` on each word outside the
/// vocabulary (which the model scores as `<unk>`).
///
/// Lists are cut into chunks of consecutive utterances holding at least `chunkHypotheses`
/// hypotheses (the last chunk may hold fewer); each chunk is one `HypothesisPrefixTree`, so
/// identical hypotheses are scored once and shared prefixes run through the network once,
/// and each tree level is one batched forward step (`PrefixTreeScorer`). Chunks run on
/// `threads` cores with single-threaded BLAS; their composition does not depend on
/// `threads`, so results are bit-identical for any thread count and between runs.
public struct NBestRNNScorer {
  public let model: RNNLanguageModel
  public let vocabulary: Vocabulary
  public let mode: ScoringMode
  public let oovCost: OOVCost
  public let threads: Int
  public let chunkHypotheses: Int
  /// Layer 0's input projections, looked up instead of multiplied (see `InputProjectionCache`);
  /// the model's weights must not change while this scorer is in use.
  let inputProjection: InputProjectionCache

  public init(
    model: RNNLanguageModel, vocabulary: Vocabulary, mode: ScoringMode, oovCost: OOVCost, threads: Int = 1,
    chunkHypotheses: Int = 2048
  ) {
    precondition(model.config.vocabularySize == vocabulary.count, "model and vocabulary sizes differ")
    self.model = model
    self.vocabulary = vocabulary
    self.mode = mode
    self.oovCost = oovCost
    self.threads = max(1, threads)
    self.chunkHypotheses = max(1, chunkHypotheses)
    inputProjection = InputProjectionCache(model: model)
  }

  /// Scores every hypothesis of `lists` in place and returns what prefix sharing saved.
  @discardableResult
  public func score(_ lists: inout [NBestList]) -> PrefixSharingStatistics {
    var chunker = NBestChunker(chunkHypotheses: chunkHypotheses)
    var chunks = lists.compactMap { chunker.add($0) }
    if let last = chunker.finish() { chunks.append(last) }
    let statistics = score(chunks: &chunks)
    lists = chunks.flatMap { $0 }
    return statistics
  }

  /// Scores every hypothesis of `chunks` in place, each chunk as one prefix tree, the chunks
  /// in parallel on `threads` cores; returns what prefix sharing saved. Streaming callers cut
  /// chunks with `NBestChunker(chunkHypotheses:)` so that they match `score(_:)`'s.
  @discardableResult
  public func score(chunks: inout [[NBestList]]) -> PrefixSharingStatistics {
    var chunkCosts = [[(costs: [Double], oov: [Int])]](repeating: [], count: chunks.count)
    var chunkStatistics = [PrefixSharingStatistics](repeating: PrefixSharingStatistics(), count: chunks.count)
    let savedThreads = BLAS.threads
    BLAS.threads = 1
    let input = chunks
    let table = inputProjection.table()
    chunkCosts.withUnsafeMutableBufferPointer { costs in
      chunkStatistics.withUnsafeMutableBufferPointer { statistics in
        parallelFor(input.count, threads: threads) { c in
          (costs[c], statistics[c]) = scoreChunk(input[c][...], table: table)
        }
      }
    }
    BLAS.threads = savedThreads
    for (c, costs) in chunkCosts.enumerated() {
      var next = 0
      for u in chunks[c].indices {
        for h in chunks[c][u].hypotheses.indices {
          chunks[c][u].hypotheses[h].setRNNWordCosts(costs[next].costs, oovPositions: costs[next].oov)
          next += 1
        }
      }
    }
    return chunkStatistics.reduce(PrefixSharingStatistics(), +)
  }

  /// Word costs (`Double`, OOV cost included) and OOV word positions of every hypothesis of
  /// `lists`, in order.
  private func scoreChunk(_ lists: ArraySlice<NBestList>, table: Matrix?) -> (
    [(costs: [Double], oov: [Int])], PrefixSharingStatistics
  ) {
    var sentences: [[Int32]] = []
    var oovPositions: [[Int]] = []
    var statistics = PrefixSharingStatistics()
    for list in lists {
      for hypothesis in list.hypotheses {
        var ids: [Int32] = []
        var oov: [Int] = []
        ids.reserveCapacity(hypothesis.words.count)
        for (position, word) in hypothesis.words.enumerated() {
          let id = vocabulary.id(of: word)
          ids.append(id)
          if id == Vocabulary.unkID && word != Vocabulary.unkWord { oov.append(position) }
        }
        sentences.append(ids)
        oovPositions.append(oov)
        statistics.flatTokens += ids.count + 1
      }
    }
    let tree = HypothesisPrefixTree(sentences: sentences, rootWord: Vocabulary.bosID)
    var cache = model.makeCache()
    cache.inputProjectionTable = table
    let nodeCosts = PrefixTreeScorer(model: model, mode: mode).nodeCosts(of: tree, cache: &cache)
    statistics.hypotheses = sentences.count
    statistics.distinctHypotheses = tree.distinctCount
    statistics.treeSteps = tree.nodeCount
    statistics.treeTargets = tree.nodeCount - 1 + tree.distinctCount
    var costs: [(costs: [Double], oov: [Int])] = []
    costs.reserveCapacity(sentences.count)
    for (s, terminal) in tree.terminals.enumerated() {
      var wordCosts = nodeCosts.sentenceWordCosts(terminal: terminal, in: tree).map(Double.init)
      for i in oovPositions[s] { wordCosts[i] += oovCost.penalty }
      costs.append((wordCosts, oovPositions[s]))
    }
    return (costs, statistics)
  }
}
