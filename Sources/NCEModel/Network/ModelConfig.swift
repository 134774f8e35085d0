/// The recurrent cell of the language model.
public enum CellType: String, Codable, Sendable, CaseIterable {
  case lstm, gru
}

/// The training criterion (`rnnlm-train --loss`).
public enum LossKind: String, Codable, Sendable, CaseIterable {
  /// Full-softmax cross-entropy.
  case full
  /// Noise-contrastive estimation.
  case nce
  /// Importance sampling / sampled softmax.
  case sampled
  /// 0.5 NCE + 0.5 sampled softmax.
  case mix
  /// Self-contrast: the other targets of the mini-batch are the noise.
  case `self`

  /// Whether the criterion draws from the unigram noise distribution.
  public var usesNoise: Bool { self == .nce || self == .sampled || self == .mix }
}

/// Everything needed to rebuild a model: architecture plus the criterion it was trained with
/// (rescoring needs `normTerm` for unnormalized scores). Stored in the checkpoint.
public struct ModelConfig: Codable, Sendable, Equatable {
  public var vocabularySize: Int
  public var embeddingSize = 200
  public var hiddenSize = 200
  public var layers = 2
  public var cell = CellType.lstm
  public var dropout: Float = 0.2
  public var tieWeights = false
  public var loss = LossKind.full
  public var noiseRatio = 100
  /// `lnZ`, the constant log-normalizer of NCE scores.
  public var normTerm: Float = 9
  public var perWordNoise = false
  public var noisePower = 1.0
  public var removeAccidentalHits = false
  /// `nil` (files written before the option existed) means `.none`.
  public var indexModule: IndexModuleKind?
  /// Direct n-gram features (`--direct`, `--direct-order`); nil: none (and in older files).
  public var direct: DirectFeatureConfig?

  /// Whether the model scores words with an index module instead of its output layer.
  public var usesIndexGRU: Bool { indexModule == .gru }

  public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

  /// Architecture checks, with messages naming the option.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw ModelConfigError(message: message) } }
    try check(
      vocabularySize > 3, "the vocabulary has \(vocabularySize) entries; it needs words besides <unk>, <s>, </s>")
    try check(embeddingSize > 0, "--emsize must be positive")
    try check(hiddenSize > 0, "--nhid must be positive")
    try check(layers > 0, "--nlayers must be positive")
    try check(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1)")
    try check(!loss.usesNoise || noiseRatio > 0, "--noise-ratio must be positive")
    try check(normTerm.isFinite, "--norm-term must be finite")
    try check(noisePower > 0 && noisePower <= 1, "--noise-power must be in (0, 1]")
    if let direct {
      try check(
        direct.order >= 1 && direct.order <= DirectFeatureConfig.maximumOrder,
        "--direct-order must be in 1...\(DirectFeatureConfig.maximumOrder), got \(direct.order)")
      try check(
        direct.tableSize >= vocabularySize && direct.tableSize <= 1 << 40,
        "--direct gives \(direct.tableSize) weights; the table needs at least the \(vocabularySize) words of the vocabulary"
      )
      try check(
        !usesIndexGRU,
        "--direct adds to the output layer's scores; --index-module gru scores words with its own GRU and has no output layer"
      )
    }
    if usesIndexGRU {
      try check(loss == .nce, "--index-module gru trains with --loss nce (full-NCE)")
      try check(
        cell == .gru && layers == 1,
        "--index-module gru needs --cell gru --nlayers 1: the index module is the model's one-layer GRU (Pytorch-NCE's IndexGRU)"
      )
      try check(embeddingSize == hiddenSize, "--index-module gru needs --emsize equal to --nhid")
      try check(!tieWeights, "--index-module gru has no output layer to tie: drop --tie-weights")
    }
  }
}

public struct ModelConfigError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
