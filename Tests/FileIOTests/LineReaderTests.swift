import Foundation
import TestSupport
import Testing

@testable import FileIO
@testable import NCECore

@Suite struct LineReaderTests {
  /// Writes `bytes` into a fresh directory and returns (directory, file path).
  static func fixture(_ bytes: [UInt8], name: String = "input.txt") throws -> (String, String) {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/" + name
    writeBytes(bytes, to: path)
    return (directory, path)
  }

  static func readAll(_ path: String) throws -> [String] { try LineReader.lines(of: path) }

  @Test func plainFile() throws {
    let (directory, path) = try Self.fixture(Array("the cat\nsat  on\n\nthé mat\n".utf8))
    defer { removeTree(directory) }
    #expect(try Self.readAll(path) == ["the cat", "sat  on", "", "thé mat"])
  }

  @Test func crlfAndMissingFinalNewline() throws {
    let (directory, path) = try Self.fixture(Array("a b\r\nc\r\nlast".utf8))
    defer { removeTree(directory) }
    let reader = try LineReader(path: path)
    #expect(try reader.nextLine() == "a b")
    #expect(try reader.nextLine() == "c")
    #expect(try reader.nextLine() == "last")
    #expect(reader.lineNumber == 3)
    #expect(try reader.nextLine() == nil)
    #expect(try reader.nextLine() == nil)
  }

  @Test func emptyFileHasNoLines() throws {
    let (directory, path) = try Self.fixture([])
    defer { removeTree(directory) }
    #expect(try Self.readAll(path) == [])
  }

  @Test func zstdFile() throws {
    let text = (0..<1000).map { "line \($0) of a compressed corpus" }.joined(separator: "\n") + "\n"
    let (directory, path) = try Self.fixture(
      try ZstdCodec.compress(Array(text.utf8)), name: "corpus.txt.zst")
    defer { removeTree(directory) }
    let lines = try Self.readAll(path)
    #expect(lines.count == 1000)
    #expect(lines.first == "line 0 of a compressed corpus")
    #expect(lines.last == "line 999 of a compressed corpus")
  }

  @Test func largeHighlyCompressibleZstdFile() throws {
    // 8 MB that compress to a few KB: one input chunk decompresses into many output buffers.
    let line = "a b c d e f g h i j k l m n o p q r s t u v w x y z\n"
    let text = String(repeating: line, count: 8 << 20 / line.utf8.count)
    let (directory, path) = try Self.fixture(
      try ZstdCodec.compress(Array(text.utf8)), name: "big.zst")
    defer { removeTree(directory) }
    let reader = try LineReader(path: path)
    var count = 0
    var allEqual = true
    while let next = try reader.nextLine() {
      count += 1
      if next != "a b c d e f g h i j k l m n o p q r s t u v w x y z" { allEqual = false }
    }
    #expect(count == 8 << 20 / line.utf8.count)
    #expect(allEqual)
  }

  @Test func lineLongerThanTheReadChunk() throws {
    let long = String(repeating: "w ", count: 1_500_000)
    let (directory, path) = try Self.fixture(Array((long + "\nshort\n").utf8))
    defer { removeTree(directory) }
    let lines = try Self.readAll(path)
    #expect(lines.count == 2)
    #expect(lines[0].utf8.count == 3_000_000)
    #expect(lines[1] == "short")
  }

  @Test func invalidUTF8NamesFileAndLine() throws {
    let bytes = Array("ok\nfine\n".utf8) + [0x62, 0xFF, 0x61, 0x0A] + Array("after\n".utf8)
    let (directory, path) = try Self.fixture(bytes)
    defer { removeTree(directory) }
    let reader = try LineReader(path: path)
    #expect(try reader.nextLine() == "ok")
    #expect(try reader.nextLine() == "fine")
    let error = #expect(throws: InputError.self) { try reader.nextLine() }
    #expect(error?.file == path)
    #expect(error?.line == 3)
    #expect(error?.description == "\(path):3: invalid UTF-8")
  }

  @Test func sequenceIterationKeepsTheError() throws {
    let (directory, path) = try Self.fixture(Array("x\n".utf8) + [0xC3, 0x0A])
    defer { removeTree(directory) }
    let reader = try LineReader(path: path)
    #expect(Array(reader) == ["x"])
    #expect((reader.error as? InputError)?.line == 2)
  }

  @Test func truncatedZstdIsAnError() throws {
    let text = (0..<5000).map { "sentence number \($0)" }.joined(separator: "\n")
    let compressed = try ZstdCodec.compress(Array(text.utf8))
    let (directory, path) = try Self.fixture(
      Array(compressed.prefix(compressed.count / 2)), name: "cut.zst")
    defer { removeTree(directory) }
    let error = #expect(throws: InputError.self) { try Self.readAll(path) }
    #expect(error?.file == path)
    #expect(error?.message.contains("zstd") == true)
  }

  @Test func garbageZstdIsAnError() throws {
    let (directory, path) = try Self.fixture(Array("not zstd at all\n".utf8), name: "plain.zst")
    defer { removeTree(directory) }
    let error = #expect(throws: InputError.self) { try Self.readAll(path) }
    #expect(error?.file == path)
  }

  /// Kaldi's pipe rxfilenames: `"cmd |"` reads the command's output; a failing command, even
  /// after some output, is an error naming it with its exit status.
  @Test func pipeCommandsAreReadAndTheirFailureReported() throws {
    let (directory, path) = try Self.fixture(Array("u1 a b\nu2 c\nu3 d e f\n".utf8))
    defer { removeTree(directory) }
    #expect(try Self.readAll("cut -d' ' -f1 '\(path)' |") == ["u1", "u2", "u3"])
    #expect(try Self.readAll("  sort -r '\(path)' | head -n 2  | ") == ["u3 d e f", "u2 c"])
    #expect(LineReader.pipeCommand("gunzip -c x.gz |") == "gunzip -c x.gz")
    #expect(LineReader.pipeCommand("a|b.txt") == nil)
    let failing = "cat '\(path)'; exit 3 |"
    let reader = try LineReader(path: failing)
    #expect(try reader.nextLine() == "u1 a b")
    let error = #expect(throws: InputError.self) { while try reader.nextLine() != nil {} }
    #expect(error?.description == "\(failing): the command failed (exit status 3)")
  }

  @Test func missingFileAndDirectoryAreErrors() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let missing = directory + "/absent.txt"
    let missingError = #expect(throws: InputError.self) { try LineReader(path: missing) }
    #expect(missingError?.description == "\(missing): no such file")
    let directoryError = #expect(throws: InputError.self) { try LineReader(path: directory) }
    #expect(directoryError?.file == directory)
  }
}
