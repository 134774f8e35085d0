import Foundation
import FileIO

/// The pipeline of `rnnlm-score`: the cost `-ln P(w1..wn </s> | <s>)` of every sentence of a
/// text, in input order, streamed through `SentenceScorer.scoreInPieces` so memory does not grow
/// with the text.
///
/// Input, by `keyed`:
/// - false: a plain text (`LineReader` path: plain, `.gz`, `.zst`, `-`, `"cmd |"`), one sentence
///   per line; every line gives one output line, a blank line the cost of an empty sentence
///   (`</s>` alone), so the output can be pasted next to the input.
/// - true: a Kaldi text table (`KaldiTableReader`: an rspecifier such as `ark,t:text`, blank lines
///   skipped); the first field is the key, printed before the cost.
/// Words are split by `WhitespaceTokenizer`; `<s>` or `</s>` inside a sentence is an error at
/// its line, as in training and `rnnlm-eval`. Words outside the vocabulary are scored as `<unk>`.
public enum TextScoring {
  /// What a run read.
  public struct Summary: Sendable, Equatable {
    public var sentences = 0
    public var words = 0
    /// Words not in the vocabulary, scored as `<unk>` (a literal `<unk>` is not counted).
    public var oovs = 0
  }

  /// Scores the text at `text` with `scorer` and calls `output` with each result line (no
  /// terminator): the cost with 6 decimals, or `key cost` when `keyed`.
  /// Errors: those of the readers (file:line), a boundary word (file:line), and `output`'s.
  public static func score(
    text: String, keyed: Bool, vocabulary: Vocabulary, scorer: SentenceScorer,
    output: (String) throws -> Void
  ) throws -> Summary {
    var summary = Summary()
    var keys: [String] = []  // of the piece being scored
    func ids(of words: some Sequence<Substring>, file: String, line: Int) throws -> [Int32] {
      var ids: [Int32] = []
      for word in words {
        try TextScanner.checkNotBoundary(word, file: file, line: line)
        let id = vocabulary.id(of: word)
        if id == Vocabulary.unkID && word != Vocabulary.unkWord { summary.oovs += 1 }
        ids.append(id)
      }
      summary.sentences += 1
      summary.words += ids.count
      return ids
    }
    let next: () throws -> [Int32]?
    if keyed {
      let table = try KaldiTableReader(rspecifier: text)
      next = {
        guard let (key, words) = try table.next() else { return nil }
        keys.append(String(key))
        return try ids(of: words, file: table.path, line: table.lineNumber)
      }
    } else {
      let lines = try LineReader(path: text)
      next = {
        guard let line = try lines.nextLine() else { return nil }
        return try ids(of: WhitespaceTokenizer.tokens(of: line), file: text, line: lines.lineNumber)
      }
    }
    try scorer.scoreInPieces(
      next: next,
      body: { costs in
        for (index, cost) in costs.enumerated() {
          let value = String(format: "%.6f", cost)
          try output(keyed ? keys[index] + " " + value : value)
        }
        keys.removeAll(keepingCapacity: true)
      })
    return summary
  }
}
