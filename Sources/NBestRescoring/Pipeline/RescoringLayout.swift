import FileIO
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The files of a rescoring run (see docs/rescoring.md): where the tables of each input go,
/// where `text` and `wer_*` go, which files the run reads, and the rule that none of its
/// outputs is one of its inputs (`OutputOverlap`).
struct RescoringLayout {
  /// Where `lmwt.*` of input k go (and `lmwt.rnn` is read from with `.reuse`).
  let tableDirectories: [String]
  /// Where `text` and `wer_*` go.
  let outputDirectory: String
  /// With `.reuse`: the `lmwt.rnn` file, or its parts, of each table directory.
  let reusedRNNTables: [[String]]?

  /// Names a missing N-best input before anything is created next to it, and finds the
  /// reused RNN tables.
  init(_ configuration: RescoringConfiguration) throws {
    for path in configuration.nbestDirectories where !FileManager.default.fileExists(atPath: path) {
      throw InputError("no such file or directory", file: path)
    }
    let inputs = configuration.nbestDirectories
    if let out = configuration.outputDirectory {
      outputDirectory = out
      tableDirectories =
        inputs.count == 1
        ? [out]
        : inputs.map {
          (out as NSString).appendingPathComponent((($0 as NSString).standardizingPath as NSString).lastPathComponent)
        }
    } else {
      tableDirectories = inputs
      outputDirectory = inputs[0]
    }
    reusedRNNTables =
      configuration.rnnCosts == .reuse ? try tableDirectories.map { try RNNCostTable.files(in: $0) } : nil
  }

  /// Whether the tables of input k include `lmwt.rnn`: not when that very file is the input
  /// its RNN costs are read from (it stays as it is).
  func writesRNNTable(input k: Int) -> Bool {
    guard let tables = reusedRNNTables?[k] else { return true }
    return tables != [path("lmwt.rnn", in: tableDirectories[k])]
  }

  func path(_ name: String, in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }

  var textPath: String { path("text", in: outputDirectory) }

  /// Every table and `text`, before the sweep names its `wer_*` files.
  func tableAndTextPaths(rnnWeights: WeightGrid) -> [String] {
    tableDirectories.indices.flatMap { k in
      RescoringTableWriter.fileNames(rnnWeights: rnnWeights, writesRNNTable: writesRNNTable(input: k)).map {
        path($0, in: tableDirectories[k])
      }
    } + [textPath]
  }

  /// The files the run reads, named by their options.
  func inputs(_ configuration: RescoringConfiguration) -> [OutputOverlap.Input] {
    var inputs = configuration.nbestDirectories.map { OutputOverlap.Input.directory($0, name: "--nbest-dir") }
    if case .model(let model) = configuration.rnnCosts { inputs.append(.init(model, name: "--model")) }
    if let arpa = configuration.arpa { inputs.append(.init(arpa, name: "--arpa")) }
    if let reference = configuration.reference { inputs.append(.init(reference, name: "--ref")) }
    for path in (reusedRNNTables ?? []).joined() { inputs.append(.init(path, name: "--reuse-rnn-costs")) }
    return inputs
  }

  /// Creates the missing output directories (parents included) and returns those it created,
  /// deepest first, so that a failed run can remove them again (`removeIfEmpty`).
  func createDirectories() throws -> [String] { try Self.createDirectories([outputDirectory] + tableDirectories) }

  /// Creates the missing `directories` (parents included) and returns those it created,
  /// deepest first (for `removeIfEmpty`).
  static func createDirectories(_ directories: [String]) throws -> [String] {
    var created: [String] = []
    for directory in directories {
      var missing: [String] = []
      var path = (directory as NSString).standardizingPath
      // Parents by hand: Foundation's deletingLastPathComponent traps on the empty string.
      while !path.isEmpty && path != "/" && !FileManager.default.fileExists(atPath: path) {
        missing.append(path)
        guard let slash = path.lastIndex(of: "/") else { break }
        path = slash == path.startIndex ? "/" : String(path[..<slash])
      }
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        Self.removeIfEmpty(created)
        throw InputError("cannot create the output directory: \(error.localizedDescription)", file: directory)
      }
      created = missing + created
    }
    return created
  }

  /// Removes the directories that are still empty (a failed run leaves no new directory).
  static func removeIfEmpty(_ directories: [String]) {
    for directory in directories { rmdir(directory) }
  }
}
