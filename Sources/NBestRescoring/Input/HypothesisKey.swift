/// A Kaldi N-best key `<utt-id>-<rank>`, split at the last `-` (utterance ids may contain `-`).
public struct HypothesisKey: Sendable, Equatable, Hashable {
  public var utteranceID: String
  /// 1-based rank.
  public var rank: Int

  public init(utteranceID: String, rank: Int) {
    self.utteranceID = utteranceID
    self.rank = rank
  }

  /// Parses `key`; nil if it has no `-`, an empty utterance id, or a rank that is not a
  /// positive integer.
  public init?(parsing key: some StringProtocol) {
    guard let dash = key.lastIndex(of: "-") else { return nil }
    let id = key[..<dash]
    let rankText = key[key.index(after: dash)...]
    guard !id.isEmpty, !rankText.isEmpty, rankText.allSatisfy({ $0.isASCII && $0.isNumber }),
      let rank = Int(rankText), rank >= 1
    else { return nil }
    self.utteranceID = String(id)
    self.rank = rank
  }

  public var description: String { "\(utteranceID)-\(rank)" }
}
