/// One hypothesis of an N-best list. All costs are negated natural-log probabilities (`-ln p`).
///
/// Costs may be `+infinity` (an impossible path: it is never selected unless every hypothesis
/// of the utterance is impossible); readers reject NaN and `-infinity`.
public struct NBestHypothesis: Sendable, Equatable {
  /// 1-based rank in the recognizer's list (the `<rank>` of the key `<utt-id>-<rank>`).
  public var rank: Int
  /// The words, without `<s>` and `</s>`; may be empty.
  public var words: [String]
  /// Acoustic cost, unscaled (Kaldi `acwt`).
  public var acousticCost: Double
  /// Graph cost without the old LM (Kaldi `lmwt.nolm`: pronunciation, silence, insertion).
  public var graphCost: Double
  /// Old n-gram LM cost of `words </s>` given `<s>` (Kaldi `lmwt.lmonly`), if known.
  public var ngramCost: Double?
  /// Per-word n-gram costs, `words.count + 1` entries (the last one is `</s>`), if known.
  /// When present their sum equals `ngramCost`.
  public var ngramWordCosts: [Double]?
  /// RNN LM cost of `words </s>` given `<s>` (Kaldi `lmwt.rnn`), once rescored.
  public var rnnCost: Double?
  /// Per-word RNN costs, `words.count + 1` entries (the last one is `</s>`), once rescored.
  public var rnnWordCosts: [Double]?
  /// Positions in `words` of the words outside the RNN's vocabulary (each scored as `<unk>`
  /// plus the OOV cost), once rescored; lets a sweep try other OOV costs.
  public var oovPositions: [Int] = []

  public init(
    rank: Int, words: [String], acousticCost: Double, graphCost: Double = 0,
    ngramCost: Double? = nil, ngramWordCosts: [Double]? = nil,
    rnnCost: Double? = nil, rnnWordCosts: [Double]? = nil
  ) {
    self.rank = rank
    self.words = words
    self.acousticCost = acousticCost
    self.graphCost = graphCost
    self.ngramCost = ngramCost
    self.ngramWordCosts = ngramWordCosts
    self.rnnCost = rnnCost
    self.rnnWordCosts = rnnWordCosts
  }

  /// Sets the RNN cost from per-word costs (`words.count + 1` entries, `</s>` last) and the
  /// positions of the words outside the RNN's vocabulary.
  public mutating func setRNNWordCosts(_ costs: [Double], oovPositions: [Int] = []) {
    precondition(costs.count == words.count + 1, "one RNN cost per word plus </s>")
    rnnWordCosts = costs
    rnnCost = costs.reduce(0, +)
    self.oovPositions = oovPositions
  }

  /// Sets the n-gram cost from per-word costs (`words.count + 1` entries, `</s>` last).
  public mutating func setNgramWordCosts(_ costs: [Double]) {
    precondition(costs.count == words.count + 1, "one n-gram cost per word plus </s>")
    ngramWordCosts = costs
    ngramCost = costs.reduce(0, +)
  }
}

/// The N-best list of one utterance, hypotheses in rank order (best first).
///
/// Duplicate word sequences are kept as separate hypotheses (they are different paths with
/// different costs); the decision rule then picks the cheaper one, the lower rank on ties.
public struct NBestList: Sendable, Equatable {
  public var utteranceID: String
  public var hypotheses: [NBestHypothesis]

  public init(utteranceID: String, hypotheses: [NBestHypothesis]) {
    self.utteranceID = utteranceID
    self.hypotheses = hypotheses
  }

  /// The key of hypothesis `index` in Kaldi archives: `<utt-id>-<rank>`.
  public func key(of index: Int) -> String { "\(utteranceID)-\(hypotheses[index].rank)" }
}
