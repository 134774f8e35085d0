import FileIO
import Foundation
import NCECore
import Testing

// Shared by the reader fuzz tests of every test target (each target keeps an identical copy).

/// Seeded random corruptions of a valid input file: truncation, byte flips, invalid UTF-8,
/// NaN/inf and out-of-range numbers, missing or extra fields, removed, repeated or swapped
/// lines, stray control bytes, an empty file. Deterministic for a given seed.
public struct FileMutator {
  public var generator: SeededGenerator

  public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

  /// Replacements for a whitespace-separated field: non-finite and out-of-range numbers,
  /// signs, empty-looking and reserved tokens.
  public static let oddFields = [
    "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "1e999", "-1e999", "-1",
    "99999999999999999999999", "0", "-0", "1e-400", "0x1p3", "abc", "<s>", "</s>", "<unk>", "-", "--", "1-",
    "\u{00A0}", "ngram 9=99999999999999", "\\data\\", "\\end\\", "\\1-grams:",
  ]
  public static let invalidUTF8: [[UInt8]] = [
    [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
  ]

  /// Applies one to three random mutations to `bytes`.
  public mutating func mutate(_ bytes: [UInt8]) -> (bytes: [UInt8], what: String) {
    var result = bytes
    var applied: [String] = []
    for _ in 0...generator.nextInt(below: 3) {
      let (next, what) = mutateOnce(result)
      result = next
      applied.append(what)
    }
    return (result, applied.joined(separator: ", "))
  }

  private mutating func index(in count: Int) -> Int { count == 0 ? 0 : generator.nextInt(below: count + 1) }

  private mutating func mutateOnce(_ bytes: [UInt8]) -> ([UInt8], String) {
    var bytes = bytes
    switch generator.nextInt(below: 12) {
    case 0:
      let cut = index(in: bytes.count)
      return (Array(bytes[0..<cut]), "truncated at \(cut)")
    case 1:
      guard !bytes.isEmpty else { return (bytes, "flip in empty file") }
      let at = generator.nextInt(below: bytes.count)
      bytes[at] ^= UInt8(1 + generator.nextInt(below: 255))
      return (bytes, "byte flip at \(at)")
    case 2:
      let at = index(in: bytes.count)
      let sequence = Self.invalidUTF8[generator.nextInt(below: Self.invalidUTF8.count)]
      bytes.insert(contentsOf: sequence, at: at)
      return (bytes, "invalid UTF-8 at \(at)")
    case 3, 4:
      var lines = Self.lines(bytes)
      guard !lines.isEmpty else { return (bytes, "field change in empty file") }
      let l = generator.nextInt(below: lines.count)
      var fields = lines[l].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
      let f = generator.nextInt(below: fields.count)
      if generator.nextInt(below: 2) == 0 {
        fields[f] = Array(Self.oddFields[generator.nextInt(below: Self.oddFields.count)].utf8)
      } else {
        fields.remove(at: f)
      }
      lines[l] = Array(fields.joined(separator: [UInt8(ascii: " ")]))
      return (Self.join(lines), "field \(f) of line \(l + 1) changed or removed")
    case 5:
      var lines = Self.lines(bytes)
      guard !lines.isEmpty else { return (bytes, "extra field in empty file") }
      let l = generator.nextInt(below: lines.count)
      lines[l] += Array(" \(Self.oddFields[generator.nextInt(below: Self.oddFields.count)])".utf8)
      return (Self.join(lines), "extra field on line \(l + 1)")
    case 6:
      return ([], "empty file")
    case 7:
      var lines = Self.lines(bytes)
      guard !lines.isEmpty else { return (bytes, "repeat in empty file") }
      let l = generator.nextInt(below: lines.count)
      lines.insert(lines[l], at: generator.nextInt(below: lines.count + 1))
      return (Self.join(lines), "line \(l + 1) repeated")
    case 8:
      var lines = Self.lines(bytes)
      guard !lines.isEmpty else { return (bytes, "delete in empty file") }
      let l = generator.nextInt(below: lines.count)
      lines.remove(at: l)
      return (Self.join(lines), "line \(l + 1) deleted")
    case 9:
      var lines = Self.lines(bytes)
      guard lines.count >= 2 else { return (bytes, "swap in short file") }
      let a = generator.nextInt(below: lines.count)
      let b = generator.nextInt(below: lines.count)
      lines.swapAt(a, b)
      return (Self.join(lines), "lines \(a + 1) and \(b + 1) swapped")
    case 10:
      let at = index(in: bytes.count)
      let stray: [[UInt8]] = [[0], [13], [9], [10], [10, 10], [13, 10], [0x0B], [0x0C], Array("\u{FEFF}".utf8)]
      let chosen = stray[generator.nextInt(below: stray.count)]
      bytes.insert(contentsOf: chosen, at: at)
      return (bytes, "control bytes \(chosen) at \(at)")
    default:
      // A long (64 KiB) token inside the file; the 5 MB case has its own test.
      let at = index(in: bytes.count)
      bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16), at: at)
      return (bytes, "64 KiB token at \(at)")
    }
  }

  /// Lines split on `\n` (the last one kept even when empty, so `join` restores `bytes`).
  public static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
  }

  public static func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [UInt8(ascii: "\n")])) }

  /// A file whose line `line` (1-based) is `length` bytes of `x`, inserted into `bytes`.
  public static func withHugeLine(_ bytes: [UInt8], atLine line: Int, length: Int = 5_000_000) -> [UInt8] {
    var lines = Self.lines(bytes)
    lines.insert([UInt8](repeating: UInt8(ascii: "x"), count: length), at: min(line - 1, lines.count))
    return join(lines)
  }
}

/// A temporary directory for one fuzz test; removed when the workspace goes away.
public final class FuzzWorkspace {
  public let directory: String

  public init() throws {
    directory = NSTemporaryDirectory() + "fuzz-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  /// Writes `bytes` to `<directory>/<name>` (replacing it) and returns the path.
  @discardableResult
  public func write(_ bytes: [UInt8], name: String) -> String {
    let path = directory + "/" + name
    let parent = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    let created = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    precondition(created, "cannot create fuzz fixture \(path)")
    return path
  }
}

/// Counts how the cases of a fuzz run ended.
public struct FuzzTally: CustomStringConvertible {
  public var accepted = 0
  public var refused = 0
  public var description: String { "\(accepted) accepted, \(refused) refused" }

  public init() {}

  /// Runs one case. Passes when `read` returns (counted as accepted) or throws an `InputError`
  /// whose description starts with `location` (refused; `location` is the file, or the
  /// directory of a multi-file input). Any other error, or a run longer than `seconds`, is
  /// recorded as a failure naming the mutation. A crash ends the test process.
  public mutating func run(
    _ what: String, location: String, seconds: Double = 2, sourceLocation: SourceLocation = #_sourceLocation,
    _ read: () throws -> Void
  ) {
    let start = Date()
    do {
      try read()
      accepted += 1
    } catch let error as InputError {
      refused += 1
      #expect(
        error.description.hasPrefix(location), "\(what): error does not name the input: \(error)",
        sourceLocation: sourceLocation)
      #expect(!error.message.isEmpty, "\(what): empty message", sourceLocation: sourceLocation)
    } catch {
      Issue.record("\(what): not an InputError: \(type(of: error)) \(error)", sourceLocation: sourceLocation)
    }
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed < seconds, "\(what): took \(elapsed) s", sourceLocation: sourceLocation)
  }
}
