import FileIO
import Foundation
import NCECore

/// Reads SRILM N-best lists in format 3 (no header): `ascore lscore nwords w1 w2 ...`, with
/// log10 acoustic and LM scores, converted here to natural-log costs (`-score * ln 10`).
///
/// Two layouts:
/// - `.directory(path)`: one file per utterance named `<utt-id>.score` or `<utt-id>.score.gz`
///   (`.score.zst` also works); hypotheses in rank order, utterances visited in byte order of
///   their ids (Kaldi's sort order).
/// - `.file(path)`: one file whose lines start with an utterance id column
///   (`utt-id ascore lscore nwords w1 ...`); an utterance's lines are contiguous.
///
/// Fields are split by `WhitespaceTokenizer` (Kaldi's whitespace); blank lines are skipped; a
/// byte-order mark is an error (`LineReader`).
/// `nwords` must equal the number of words (after removing an optional `<s>` ... `</s>`),
/// otherwise the line is rejected. The graph cost is 0 (format 3 has none). Scores must be
/// numbers; `-inf` (cost `+inf`) is accepted, NaN is an error.
public final class SRILMNBestReader: NBestListReader {
  public enum Layout: Sendable, Equatable {
    case directory(String)
    case file(String)
  }
  public let layout: Layout
  private var pendingFiles: [(id: String, path: String)] = []
  private var singleFile: LineReader?
  private var grouper = UtteranceGrouper()

  public init(_ layout: Layout) throws {
    self.layout = layout
    switch layout {
    case .directory(let directory):
      let names: [String]
      do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory)
      } catch {
        throw InputError("cannot list N-best directory", file: directory)
      }
      var files: [(id: String, path: String)] = []
      for name in names {
        for suffix in [".score", ".score.gz", ".score.zst"] where name.hasSuffix(suffix) {
          files.append((String(name.dropLast(suffix.count)), (directory as NSString).appendingPathComponent(name)))
        }
      }
      files.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
      for (a, b) in zip(files, files.dropFirst()) where a.id == b.id {
        throw InputError("two files for utterance '\(a.id)': \(a.path) and \(b.path)", file: directory)
      }
      if files.isEmpty { throw InputError("no <utt-id>.score[.gz] files", file: directory) }
      pendingFiles = files.reversed()
    case .file(let path):
      singleFile = try LineReader(path: path)
    }
  }

  public func nextList() throws -> NBestList? {
    if let reader = singleFile {
      while let line = try reader.nextLine() {
        let fields = WhitespaceTokenizer.tokens(of: line)
        if fields.isEmpty { continue }
        let hypothesis = try Self.parse(fields.dropFirst(), reader: reader)
        if let done = try grouper.add(
          id: String(fields[0]), hypothesis: hypothesis, file: reader.path, line: reader.lineNumber)
        {
          return done
        }
      }
      return grouper.finish()
    }
    guard let (id, path) = pendingFiles.popLast() else { return nil }
    let reader = try LineReader(path: path)
    var hypotheses: [NBestHypothesis] = []
    while let line = try reader.nextLine() {
      let fields = WhitespaceTokenizer.tokens(of: line)
      if fields.isEmpty { continue }
      var hypothesis = try Self.parse(fields[...], reader: reader)
      hypothesis.rank = hypotheses.count + 1
      hypotheses.append(hypothesis)
    }
    return NBestList(utteranceID: id, hypotheses: hypotheses)
  }

  /// Parses `ascore lscore nwords w1 ...`.
  static func parse(_ fields: ArraySlice<Substring>, reader: LineReader) throws -> NBestHypothesis {
    guard fields.count >= 3 else {
      throw reader.error("expected 'ascore lscore nwords words...', found \(fields.count) fields")
    }
    let f = Array(fields)
    let acoustic = try CostParsing.log10Score(f[0], what: "acoustic score", file: reader.path, line: reader.lineNumber)
    let lm = try CostParsing.log10Score(f[1], what: "LM score", file: reader.path, line: reader.lineNumber)
    let words = SentenceMarkers.strip(f[3...])
    guard let count = Int(f[2]), count == words.count else {
      throw reader.error("nwords '\(f[2])' does not match the \(words.count) words on the line")
    }
    return NBestHypothesis(rank: 1, words: words, acousticCost: acoustic, graphCost: 0, ngramCost: lm)
  }
}
