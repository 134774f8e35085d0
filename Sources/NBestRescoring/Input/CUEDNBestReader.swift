import FileIO
import NCECore

/// Reads a CUED-RNNLM N-best file: `nbid acscore lmscore nword <s> w1 ... </s>` per line.
///
/// `nbid` identifies the utterance (its lines are contiguous; it becomes `utteranceID`), ranks
/// are assigned 1, 2, ... in file order. `acscore` and `lmscore` are log10 scores converted to
/// natural-log costs (`-score * ln 10`). `<s>` and `</s>` are removed from the words; `nword`
/// must equal the word count either without the markers or with both of them. Graph cost 0.
/// Fields are split by `WhitespaceTokenizer` (Kaldi's whitespace); blank lines are skipped; a
/// byte-order mark is an error (`LineReader`).
public final class CUEDNBestReader: NBestListReader {
  public let path: String
  private let reader: LineReader
  private var grouper = UtteranceGrouper()

  public init(path: String) throws {
    self.path = path
    reader = try LineReader(path: path)
  }

  public func nextList() throws -> NBestList? {
    while let line = try reader.nextLine() {
      let fields = WhitespaceTokenizer.tokens(of: line)
      if fields.isEmpty { continue }
      guard fields.count >= 4 else {
        throw reader.error("expected 'nbid acscore lmscore nword <s> words... </s>', found \(fields.count) fields")
      }
      let acoustic = try CostParsing.log10Score(
        fields[1], what: "acoustic score", file: path, line: reader.lineNumber)
      let lm = try CostParsing.log10Score(fields[2], what: "LM score", file: path, line: reader.lineNumber)
      let words = SentenceMarkers.strip(fields[4...])
      guard let count = Int(fields[3]), count == words.count || count == words.count + 2 else {
        throw reader.error("nword '\(fields[3])' does not match the \(words.count) words on the line")
      }
      let hypothesis = NBestHypothesis(rank: 1, words: words, acousticCost: acoustic, graphCost: 0, ngramCost: lm)
      if let done = try grouper.add(
        id: String(fields[0]), hypothesis: hypothesis, file: path, line: reader.lineNumber)
      {
        return done
      }
    }
    return grouper.finish()
  }
}
