import FileIO
import Foundation
import NCECore

#if canImport(Glibc)
  import Glibc
#endif

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
  /// Which file(s) the table reads, and why, for the log: `RNN costs from dir/lmwt.rnn`,
  /// `... from the 4 parts dir/lmwt.rnn.1 ... dir/lmwt.rnn.4`, plus the older parts left
  /// aside when a whole table was chosen over them.
  public private(set) var source: String

  /// Opens the parts (plain, `.gz` or `.zst`).
  public init(paths: [String]) throws {
    precondition(!paths.isEmpty, "an RNN cost table needs at least one file")
    self.paths = paths
    parts = try paths.map { try Part(path: $0) }
    source =
      paths.count == 1
      ? "RNN costs from \(paths[0])"
      : "RNN costs from the \(paths.count) parts \(paths[0]) ... \(paths[paths.count - 1])"
  }

  /// The table of an N-best table directory (see `files(in:)`), with `source` naming the
  /// files and the parts left aside.
  public convenience init(directory: String) throws {
    let (paths, ignored) = try Self.resolve(directory: directory)
    try self.init(paths: paths)
    if !ignored.isEmpty {
      source +=
        " (not from the older parts \(ignored.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))"
    }
  }

  /// The table of an N-best table directory: `lmwt.rnn` (also `.gz`, `.zst`), else its
  /// numbered parts `lmwt.rnn.1`, `lmwt.rnn.2`, ... in numeric order.
  ///
  /// When both a whole table and parts are present, the whole table is used only if it is at
  /// least as new (mtime) as every part: that is the case after a sweep over the parts wrote
  /// the merged `lmwt.rnn` next to them. A part newer than the whole table means they come
  /// from different runs (new shard jobs next to an old `lmwt.rnn`), and the directory is
  /// refused, naming both files, rather than silently reading the old costs.
  public static func files(in directory: String) throws -> [String] { try resolve(directory: directory).paths }

  private static func resolve(directory: String) throws -> (paths: [String], ignoredParts: [String]) {
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let parts = names.compactMap { name -> (Int, String)? in
      guard name.hasPrefix("lmwt.rnn."), let number = Int(name.dropFirst("lmwt.rnn.".count)), number >= 1 else {
        return nil
      }
      return (number, path(name))
    }.sorted { $0.0 < $1.0 }.map(\.1)
    if let whole = ["lmwt.rnn", "lmwt.rnn.gz", "lmwt.rnn.zst"].map(path).first(where: {
      FileManager.default.fileExists(atPath: $0)
    }) {
      let wholeTime = try modificationTime(whole)
      for part in parts where try modificationTime(part) > wholeTime {
        throw InputError(
          "both \(whole) and the part \(part) are present, and the part is newer (modified \(timeText(try modificationTime(part))), the whole table \(timeText(wholeTime))): they come from different runs; remove the stale one",
          file: directory)
      }
      return ([whole], parts)
    }
    guard !parts.isEmpty else {
      throw InputError("no lmwt.rnn (nor parts lmwt.rnn.1, lmwt.rnn.2, ...) to reuse", file: directory)
    }
    return (parts, [])
  }

  /// The modification time of `path` in nanoseconds since the epoch.
  private static func modificationTime(_ path: String) throws -> Int {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw InputError("cannot read the modification time: \(String(cString: strerror(errno)))", file: path)
    }
    return Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
  }

  private static func timeText(_ nanoseconds: Int) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
  }

  /// Sets `rnnCost` of every hypothesis of `list` (no per-word costs: only log-linear
  /// interpolation can use them). Errors name the file and line: a key that is not
  /// `<utt-id>-<rank>`, a bad cost, a repeated key, an utterance that no part has next (out of
  /// order, or missing), or a hypothesis of `list` without a cost or a cost without one.
  public func apply(to list: inout NBestList) throws {
    guard let part = parts.first(where: { $0.next?.key.utteranceID == list.utteranceID }) else {
      let heads = parts.map { part in part.next.map { "'\($0.key.utteranceID)' (\(part.path):\($0.line))" } ?? "the end"
      }
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
