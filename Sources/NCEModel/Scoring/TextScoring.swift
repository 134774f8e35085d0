import FileIO
import Foundation

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
///
/// Warnings (through `warn`, once each, early in the run): a plain text whose lines mostly start
/// with a different out-of-vocabulary word (utterance ids scored as words: `--utt-ids` missing),
/// and unnormalized scoring with a model whose criterion never trained self-normalization
/// (`SelfNormalization`, measured on the first sentences).
public enum TextScoring {
  /// Lines looked at for the utterance-id check, and sentences for the self-normalization sample.
  static let checkedLines = 1000
  static let selfNormalizationSample = 200
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
    warn: @escaping (String) -> Void = { _ in }, output: (String) throws -> Void
  ) throws -> Summary {
    var summary = Summary()
    var keys: [String] = []  // of the piece being scored
    var scored = 0
    var firstWords = FirstWordCheck(advice: "Use --utt-ids for Kaldi 'utt-id words' lines")
    var sample: [[Int32]]? = scorer.mode == .unnormalized ? [] : nil
    func checkSample() {
      guard let taken = sample else { return }
      sample = nil
      let slices = taken.map { ArraySlice($0) }
      if let warning = SelfNormalization.unnormalizedScoringWarning(model: scorer.model, sample: slices) {
        warn(warning)
      }
    }
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
      if !keyed, let first = words.first(where: { _ in true }) {
        if let warning = firstWords.add(first, isOOV: vocabulary.id(of: first) == Vocabulary.unkID) { warn(warning) }
      }
      if sample != nil {
        sample!.append(ids)
        if sample!.count >= selfNormalizationSample { checkSample() }
      }
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
      next: {
        if let sentence = try next() { return sentence }
        checkSample()
        if let warning = firstWords.finish() { warn(warning) }
        return nil
      },
      body: { costs in
        for (index, cost) in costs.enumerated() {
          scored += 1
          guard cost.isFinite else {
            let which = keyed ? "utterance \(keys[index])" : "sentence \(scored)"
            throw InputError("the cost of \(which) is \(cost): the model's scores overflow", file: text)
          }
          let value = String(format: "%.6f", cost)
          try output(keyed ? keys[index] + " " + value : value)
        }
        keys.removeAll(keepingCapacity: true)
      })
    scorer.progress?.finish()
    return summary
  }

  /// Whether the lines of a plain text start with utterance ids: most of the first
  /// `checkedLines` lines start with an out-of-vocabulary word, a different one each time.
  struct FirstWordCheck {
    /// What the warning tells the user to do (the tools differ).
    let advice: String
    var lines = 0
    var oovFirstWords = Set<Substring>()
    var repeatedOOV = false
    var done = false

    /// Records the first word of a line; returns the warning when the check ends with one.
    mutating func add(_ word: Substring, isOOV: Bool) -> String? {
      guard !done else { return nil }
      lines += 1
      if isOOV && !oovFirstWords.insert(word).inserted { repeatedOOV = true }
      return lines >= TextScoring.checkedLines ? finish() : nil
    }

    mutating func finish() -> String? {
      guard !done else { return nil }
      done = true
      let oov = oovFirstWords.count
      guard lines >= 2, !repeatedOOV, 2 * oov > lines else { return nil }
      return "the first word of \(oov) of the first \(lines) lines is a different out-of-vocabulary word each "
        + "time (e.g. '\(oovFirstWords.first!)'): utterance ids scored as words? \(advice)"
    }
  }
}
