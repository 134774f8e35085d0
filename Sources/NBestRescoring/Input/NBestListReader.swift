import FileIO

/// A source of N-best lists, one utterance at a time, in file order.
///
/// Readers stream: memory is bounded by one utterance's list, so arbitrarily large sets can be
/// rescored utterance by utterance. Every reader requires the hypotheses of an utterance to be
/// contiguous (as Kaldi, SRILM and CUED write them) and reports an utterance id that appears
/// again after another one as an `InputError`.
public protocol NBestListReader: AnyObject {
  /// The next utterance's list, or nil at the end of input.
  func nextList() throws -> NBestList?
}

extension NBestListReader {
  /// Reads every remaining list (for small sets, tests and sweeps).
  public func readAll() throws -> [NBestList] {
    var lists: [NBestList] = []
    while let list = try nextList() { lists.append(list) }
    return lists
  }
}
