/// Maps words to dense integer ids so that alignment compares integers, not strings.
/// Ids start at 0 and are assigned in order of first appearance.
public struct WordInterner: Sendable {
  private var ids: [String: Int32] = [:]

  public init() {}

  /// Number of distinct words seen.
  public var count: Int { ids.count }

  /// The id of `word`, assigning the next free id on first sight.
  public mutating func id(_ word: String) -> Int32 {
    if let id = ids[word] { return id }
    let id = Int32(ids.count)
    ids[word] = id
    return id
  }

  /// The ids of `words`, in order.
  public mutating func ids(_ words: [String]) -> [Int32] {
    var result: [Int32] = []
    result.reserveCapacity(words.count)
    for word in words { result.append(id(word)) }
    return result
  }
}
