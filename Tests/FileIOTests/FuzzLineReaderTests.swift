import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

/// Fuzz tests of `LineReader`: any bytes, plain or zstd, give the file's lines or an
/// `InputError` naming the file, never a crash or a hang.
@Suite struct FuzzLineReaderTests {
  static let sample = Array(
    "the cat sat on the mat\nnaïve café 你好\r\n\n  spaced   words \nlast line without newline".utf8)

  /// The lines `LineReader` must return for `bytes` when they are valid UTF-8 without a
  /// byte-order mark at the start.
  static func expectedLines(_ bytes: [UInt8]) -> [String]? {
    if bytes.starts(with: TextInputRules.utf8ByteOrderMark) { return nil }
    var lines = FileMutator.lines(bytes)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var result: [String] = []
    for var line in lines {
      if line.last == 13 { line.removeLast() }
      guard let text = String(validating: line, as: UTF8.self) else { return nil }
      result.append(text)
    }
    return result
  }

  @Test func mutatedPlainFilesGiveTheirLinesOrAnErrorAtTheBadLine() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 1)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Self.sample)
      let path = workspace.write(bytes, name: "text.txt")
      tally.run("round \(round): \(what)", location: path) {
        let lines = try LineReader.lines(of: path)
        #expect(lines == Self.expectedLines(bytes), "round \(round): \(what)")
      }
      if bytes.starts(with: TextInputRules.utf8ByteOrderMark) {
        let error = #expect(throws: InputError.self) { _ = try LineReader.lines(of: path) }
        #expect(TextInputRules.isByteOrderMarkError(error, file: path), "round \(round): \(what)")
      } else if Self.expectedLines(bytes) == nil {
        // The first line that is not UTF-8 is named.
        let bad = FileMutator.lines(bytes).firstIndex { line in
          String(validating: line.last == 13 ? Array(line.dropLast()) : line, as: UTF8.self) == nil
        }!
        let error = #expect(throws: InputError.self) { _ = try LineReader.lines(of: path) }
        #expect(error?.line == bad + 1, "round \(round): \(what)")
      }
    }
    #expect(tally.accepted > 50 && tally.refused > 50, "\(tally)")
  }

  @Test func mutatedZstdFilesGiveLinesOrAnErrorNamingTheFile() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 2)
    var tally = FuzzTally()
    let compressed = try ZstdCodec.compress(Self.sample)
    for round in 0..<300 {
      let path: String
      let what: String
      var expected: [String]??
      if round % 2 == 0 {
        // Corrupt compressed bytes: zstd frames carry no checksum here, so a flip inside a
        // literal may decode to other valid text; only "no crash, lines or an error" holds.
        let mutated = mutator.mutate(compressed)
        path = workspace.write(mutated.bytes, name: "text.zst")
        what = "compressed: " + mutated.what
      } else {
        // Valid zstd around corrupt text: the result must match the plain reading.
        let mutated = mutator.mutate(Self.sample)
        path = workspace.write(try ZstdCodec.compress(mutated.bytes), name: "text.zst")
        what = "text: " + mutated.what
        expected = .some(Self.expectedLines(mutated.bytes))
      }
      tally.run("round \(round): \(what)", location: path) {
        let lines = try LineReader.lines(of: path)
        if let expected { #expect(lines == expected, "round \(round): \(what)") }
      }
    }
    #expect(tally.accepted > 50 && tally.refused > 50, "\(tally)")
  }

  @Test func everyTruncationOfAZstdFileIsRefusedOrComplete() throws {
    let workspace = try FuzzWorkspace()
    let compressed = try ZstdCodec.compress(Self.sample)
    for cut in 0..<compressed.count {
      let path = workspace.write(Array(compressed[0..<cut]), name: "cut.zst")
      if cut == 0 {
        #expect(try LineReader.lines(of: path) == [], "an empty .zst file has no lines")
        continue
      }
      let error = #expect(throws: InputError.self, "cut at \(cut)") { _ = try LineReader.lines(of: path) }
      #expect(error?.file == path)
    }
  }

  @Test(arguments: [false, true])
  func fiveMegabyteLineIsReadWhole(compressed: Bool) throws {
    let workspace = try FuzzWorkspace()
    let bytes = FileMutator.withHugeLine(Self.sample, atLine: 2)
    let path =
      compressed
      ? workspace.write(try ZstdCodec.compress(bytes), name: "huge.zst") : workspace.write(bytes, name: "huge.txt")
    let start = Date()
    let reader = try LineReader(path: path)
    var lengths: [Int] = []
    while let line = try reader.nextLine() { lengths.append(line.utf8.count) }
    #expect(lengths.count == 6)
    #expect(lengths[1] == 5_000_000)
    #expect(Date().timeIntervalSince(start) < 10)
  }
}
