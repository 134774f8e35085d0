import FileIO
import NCECore

/// Groups consecutive hypotheses with the same utterance id into `NBestList`s (for formats
/// with an id column), assigning ranks 1, 2, ... in file order.
///
/// An id that appears again after another id is an `InputError` at that line.
struct UtteranceGrouper {
  private var current: NBestList?
  private var finished: Set<String> = []

  /// Adds a hypothesis; returns the previous utterance's list when `id` starts a new one.
  mutating func add(
    id: String, hypothesis: NBestHypothesis, file: String, line: Int
  ) throws -> NBestList? {
    if var list = current, list.utteranceID == id {
      var hypothesis = hypothesis
      hypothesis.rank = list.hypotheses.count + 1
      list.hypotheses.append(hypothesis)
      current = list
      return nil
    }
    if finished.contains(id) {
      throw InputError(
        "utterance '\(id)' appears again after other utterances (hypotheses of an utterance must be contiguous)",
        file: file, line: line)
    }
    let done = current
    if let done { finished.insert(done.utteranceID) }
    var hypothesis = hypothesis
    hypothesis.rank = 1
    current = NBestList(utteranceID: id, hypotheses: [hypothesis])
    return done
  }

  /// The last utterance's list at the end of input.
  mutating func finish() -> NBestList? {
    defer { current = nil }
    if let current { finished.insert(current.utteranceID) }
    return current
  }
}
