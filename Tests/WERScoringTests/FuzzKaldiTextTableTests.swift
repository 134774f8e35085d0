import FileIO
import Foundation
import TestSupport
import Testing

@testable import WERScoring

/// Fuzz tests of `KaldiTextTable`: random mutations of a valid text table end in a correct
/// parse or an `InputError` naming the file.
@Suite struct FuzzKaldiTextTableTests {
  static let table = Array("u1 the cat sat\nu2\n  u3\ta  b c \r\n\nu4 你好 世界\nu5 x\u{00A0}y\n".utf8)

  /// The keys of the table's non-blank lines, split as Kaldi does (nil if not UTF-8).
  static func referenceKeys(_ bytes: [UInt8]) -> [String]? {
    var keys: [String] = []
    for line in FileMutator.lines(bytes) {
      guard let text = String(validating: line, as: UTF8.self) else { return nil }
      if let key = WhitespaceTokenizer.tokens(of: text).map(String.init).first { keys.append(key) }
    }
    return keys
  }

  @Test(arguments: ["", "ark:", "ark,t:", "ark,s:", "ark,p:"])
  func mutatedTablesParseOrNameTheFile(prefix: String) throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 31)
    var tally = FuzzTally()
    for round in 0..<120 {
      let (bytes, what) = mutator.mutate(Self.table)
      let path = workspace.write(bytes, name: "text")
      tally.run("\(prefix) round \(round): \(what)", location: path) {
        let entries = try KaldiTextTable.read(prefix + path)
        if prefix != "ark,p:" {
          #expect(entries.map(\.key) == Self.referenceKeys(bytes), "round \(round): \(what)")
        }
        #expect(Set(entries.map(\.key)).count == entries.count)
      }
    }
    // Permissive reading skips bad lines, so fewer inputs are refused.
    #expect(tally.accepted > 20 && tally.refused > (prefix == "ark,p:" ? 3 : 20), "\(tally)")
  }

  /// The fields of each non-blank line of a UTF-8 file (nil if not UTF-8).
  static func fieldLines(_ bytes: [UInt8]) -> [[String]]? {
    var result: [[String]] = []
    for line in FileMutator.lines(bytes) {
      guard let text = String(validating: line, as: UTF8.self) else { return nil }
      let fields = WhitespaceTokenizer.tokens(of: text).map(String.init)
      if !fields.isEmpty { result.append(fields) }
    }
    return result
  }

  /// The side files of `compute-wer`: `--utt2spk`, `--map` and `--ignore-words`. An accepted
  /// file gives one entry per line (per word for the ignore list).
  @Test func mutatedSideFilesParseOrNameTheFile() throws {
    let workspace = try FuzzWorkspace()
    typealias Reader = (String) throws -> Int
    let files: [(name: String, bytes: [UInt8], read: Reader, expected: ([[String]]) -> Int)] = [
      (
        "utt2spk", Array("u1 spk1\nu2 spk1\nu3 spk2\nu4 spk-3\n".utf8),
        { try DetailsWriter.readUtteranceToSpeaker(path: $0).count }, { $0.count }
      ),
      (
        "map", Array("# variants\nok okay\nUH uh\n你 您\n\nmm hmm\n".utf8),
        { try TextNormalizer.readMapping(path: $0).count }, { $0.filter { !$0[0].hasPrefix("#") }.count }
      ),
      (
        "ignore", Array("<unk> [noise]\nuh um\n".utf8),
        { try TextNormalizer.readIgnoredWords($0, fileExists: { _ in true }).count }, { Set($0.joined()).count }
      ),
    ]
    for (index, file) in files.enumerated() {
      var mutator = FileMutator(seed: 40 + UInt64(index))
      var tally = FuzzTally()
      for round in 0..<150 {
        let (bytes, what) = mutator.mutate(file.bytes)
        let path = workspace.write(bytes, name: file.name)
        tally.run("\(file.name) round \(round): \(what)", location: path) {
          let count = try file.read(path)
          #expect(count == Self.fieldLines(bytes).map(file.expected), "\(file.name) round \(round): \(what)")
        }
      }
      #expect(tally.accepted > 20 && tally.refused > 5, "\(file.name): \(tally)")
    }
  }

  @Test func fiveMegabyteLineIsOneEntry() throws {
    let workspace = try FuzzWorkspace()
    let path = workspace.write(FileMutator.withHugeLine(Self.table, atLine: 2), name: "text")
    let start = Date()
    let entries = try KaldiTextTable.read(path)
    #expect(entries.count == 6)
    #expect(entries[1].key.utf8.count == 5_000_000 && entries[1].words.isEmpty)
    #expect(Date().timeIntervalSince(start) < 20)
  }
}
