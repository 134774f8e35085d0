import Foundation
import FileIO
import NCECore

/// The `lmwt.rnn` costs written by an earlier run (`key cost`, keys `<utt-id>-<rank>`), read
/// back so that a sweep can reuse the RNN costs of several jobs without the model.
///
/// The table is one file, or several parts such as the `lmwt.rnn` files of `--shard` jobs,
/// and is streamed in step with the N-best lists: each part lists its utterances in the order
/// of the lists, an utterance's hypotheses contiguous (in any order) and in one part. For each
/// list the part whose next utterance it is supplies the costs, so only one utterance per part
/// is held and memory does not grow with the table.
public final class RNNCostTable {
  /// One file of the table and its next utterance, read ahead.
  private final class Part {
    let path: String
    let reader: KaldiTableReader
    var next: (key: HypothesisKey, cost: Double, line: Int)?

    init(path: String) throws {
      self.path = path
      reader = try KaldiTableReader(path: path)
      next = try readLine()
    }

    func readLine() throws -> (key: HypothesisKey, cost: Double, line: Int)? {
      guard let (text, cost) = try reader.nextCost(what: "RNN cost") else { return nil }
      guard let key = HypothesisKey(parsing: text) else {
        throw InputError("key '\(text)' is not '<utt-id>-<rank>'", file: path, line: reader.lineNumber)
      }
      return (key, cost, reader.lineNumber)
    }
  }

  public let paths: [String]
  private let parts: [Part]

  /// Opens the parts (plain, `.gz` or `.zst`).
  public init(paths: [String]) throws {
    precondition(!paths.isEmpty, "an RNN cost table needs at least one file")
    self.paths = paths
    parts = try paths.map { try Part(path: $0) }
  }

  /// The table of an N-best table directory: `lmwt.rnn` (also `.gz`, `.zst`), else its
  /// numbered parts `lmwt.rnn.1`, `lmwt.rnn.2`, ... in numeric order.
  public static func files(in directory: String) throws -> [String] {
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    for name in ["lmwt.rnn", "lmwt.rnn.gz", "lmwt.rnn.zst"] where FileManager.default.fileExists(atPath: path(name)) {
      return [path(name)]
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let parts = names.compactMap { name -> (Int, String)? in
      guard name.hasPrefix("lmwt.rnn."), let number = Int(name.dropFirst("lmwt.rnn.".count)), number >= 1 else {
        return nil
      }
      return (number, path(name))
    }
    guard !parts.isEmpty else {
      throw InputError("no lmwt.rnn (nor parts lmwt.rnn.1, lmwt.rnn.2, ...) to reuse", file: directory)
    }
    return parts.sorted { $0.0 < $1.0 }.map(\.1)
  }

  /// Sets `rnnCost` of every hypothesis of `list` (no per-word costs: only log-linear
  /// interpolation can use them). Errors name the file and line: a key that is not
  /// `<utt-id>-<rank>`, a bad cost, a repeated key, an utterance that no part has next (out of
  /// order, or missing), or a hypothesis of `list` without a cost or a cost without one.
  public func apply(to list: inout NBestList) throws {
    guard let part = parts.first(where: { $0.next?.key.utteranceID == list.utteranceID }) else {
      let heads = parts.map { part in part.next.map { "'\($0.key.utteranceID)' (\(part.path):\($0.line))" } ?? "the end" }
      throw InputError(
        "no RNN cost for utterance '\(list.utteranceID)': next in the table is \(heads.joined(separator: ", ")); each file must list the utterances in the order of the N-best lists (give --shard jobs' tables as parts lmwt.rnn.1, lmwt.rnn.2, ... rather than concatenated)",
        file: paths.count == 1 ? paths[0] : nil)
    }
    var costs: [Int: Double] = [:]
    while let entry = part.next, entry.key.utteranceID == list.utteranceID {
      guard costs.updateValue(entry.cost, forKey: entry.key.rank) == nil else {
        throw InputError("duplicate key '\(entry.key.description)'", file: part.path, line: entry.line)
      }
      part.next = try part.readLine()
    }
    for index in list.hypotheses.indices {
      guard let cost = costs.removeValue(forKey: list.hypotheses[index].rank) else {
        throw InputError("no RNN cost for hypothesis '\(list.key(of: index))'", file: part.path)
      }
      list.hypotheses[index].rnnCost = cost
      list.hypotheses[index].rnnWordCosts = nil
    }
    if let extra = costs.keys.min() {
      throw InputError("hypothesis '\(list.utteranceID)-\(extra)' is not in the N-best list", file: part.path)
    }
  }

  /// Checks that every line of every part was used.
  public func finish() throws {
    for part in parts {
      if let entry = part.next {
        throw InputError(
          "utterance '\(entry.key.utteranceID)' is not in the N-best lists (or out of their order)", file: part.path,
          line: entry.line)
      }
    }
  }
}
