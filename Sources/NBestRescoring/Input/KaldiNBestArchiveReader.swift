import FileIO
import Foundation
import NCECore

/// Reads a Kaldi `steps/rnnlmrescore.sh` archive directory (e.g. `archives.1/`) holding
/// `words_text`, `acwt`, `lmwt.nolm` and the old LM cost as `lmwt.lmonly` or `lmwt.withlm`.
///
/// Contract:
/// - Keys are `<utt-id>-<rank>`, split at the last `-`; all files list the same keys in the
///   same order (rnnlmrescore.sh writes them so), and an utterance's hypotheses are contiguous.
///   A key that is missing from, or out of order in, one file is an `InputError` naming that
///   file and line. A key repeated within an utterance is an error.
/// - Each file is a Kaldi table read by `KaldiTableReader` (Kaldi's whitespace, blank lines
///   skipped, a byte-order mark refused). `words_text` lines may have no words (empty hypothesis).
/// - Costs are `-ln p`; `inf` is accepted (impossible path), NaN and `-inf` are errors.
/// - The n-gram cost is taken from `lmwt.lmonly` if present, else `withlm - nolm`; if neither
///   file exists the hypotheses have `ngramCost == nil` (supply one with `ARPAModel`).
/// - Any file may be gzip (`.gz`) or zstd (`.zst`) compressed instead of plain.
public final class KaldiNBestArchiveReader: NBestListReader {
  public let directory: String
  /// Which file the n-gram cost comes from.
  public enum NgramSource: Sendable, Equatable { case lmonly, withlm, none }
  public let ngramSource: NgramSource

  private let words: KaldiTableReader
  private let acoustic: KaldiTableReader
  private let graph: KaldiTableReader
  private let ngram: KaldiTableReader?
  private var pending: (key: HypothesisKey, hypothesis: NBestHypothesis)?
  private var finishedUtterances: Set<String> = []

  /// Opens the files of `directory`. Throws if `words_text`, `acwt` or `lmwt.nolm` is missing.
  public init(directory: String) throws {
    self.directory = directory
    func find(_ name: String) -> String? {
      for suffix in ["", ".gz", ".zst"] {
        let path = (directory as NSString).appendingPathComponent(name + suffix)
        if FileManager.default.fileExists(atPath: path) { return path }
      }
      return nil
    }
    func require(_ name: String) throws -> String {
      guard let path = find(name) else {
        throw InputError("N-best archive directory has no \(name)", file: directory)
      }
      return path
    }
    words = try KaldiTableReader(path: try require("words_text"))
    acoustic = try KaldiTableReader(path: try require("acwt"))
    graph = try KaldiTableReader(path: try require("lmwt.nolm"))
    if let path = find("lmwt.lmonly") {
      ngram = try KaldiTableReader(path: path)
      ngramSource = .lmonly
    } else if let path = find("lmwt.withlm") {
      ngram = try KaldiTableReader(path: path)
      ngramSource = .withlm
    } else {
      ngram = nil
      ngramSource = .none
    }
  }

  public func nextList() throws -> NBestList? {
    guard let first = try pending ?? readHypothesis() else { return nil }
    pending = nil
    let utterance = first.key.utteranceID
    if finishedUtterances.contains(utterance) {
      throw InputError(
        "utterance '\(utterance)' appears again after other utterances (hypotheses of an utterance must be contiguous)",
        file: words.path, line: words.lineNumber)
    }
    var hypotheses = [first.hypothesis]
    var ranks: Set<Int> = [first.key.rank]
    while let next = try readHypothesis() {
      if next.key.utteranceID != utterance {
        pending = next
        break
      }
      guard ranks.insert(next.key.rank).inserted else {
        throw InputError("duplicate key '\(next.key.description)'", file: words.path, line: words.lineNumber)
      }
      hypotheses.append(next.hypothesis)
    }
    finishedUtterances.insert(utterance)
    return NBestList(utteranceID: utterance, hypotheses: hypotheses)
  }

  /// Reads one line of every file; checks that the keys agree.
  private func readHypothesis() throws -> (key: HypothesisKey, hypothesis: NBestHypothesis)? {
    guard let (keyText, wordFields) = try words.next() else {
      for table in [acoustic, graph] + (ngram.map { [$0] } ?? []) {
        if let (extra, _) = try table.next() {
          throw InputError("key '\(extra)' is not in \(words.path)", file: table.path, line: table.lineNumber)
        }
      }
      return nil
    }
    guard let key = HypothesisKey(parsing: keyText) else {
      throw InputError("key '\(keyText)' is not <utt-id>-<rank>", file: words.path, line: words.lineNumber)
    }
    func cost(_ table: KaldiTableReader, _ what: String) throws -> Double {
      guard let (otherKey, value) = try table.nextCost(what: what) else {
        throw InputError("key '\(keyText)' (\(words.path):\(words.lineNumber)) is missing: file ends", file: table.path)
      }
      guard otherKey == keyText else {
        throw InputError(
          "key '\(otherKey)' where \(words.path):\(words.lineNumber) has '\(keyText)' (files must list the same keys in the same order)",
          file: table.path, line: table.lineNumber)
      }
      return value
    }
    let acousticCost = try cost(acoustic, "acoustic cost")
    let graphCost = try cost(graph, "graph cost")
    var ngramCost: Double?
    if let ngram {
      let value = try cost(ngram, "LM cost")
      // withlm = nolm + lmonly; an infinite total stays infinite.
      ngramCost = ngramSource == .withlm && value.isFinite ? value - graphCost : value
    }
    let hypothesis = NBestHypothesis(
      rank: key.rank, words: wordFields.map(String.init), acousticCost: acousticCost,
      graphCost: graphCost, ngramCost: ngramCost)
    return (key, hypothesis)
  }
}
