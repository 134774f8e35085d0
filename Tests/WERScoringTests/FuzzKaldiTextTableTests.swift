import FuzzSupport
import Foundation
import NCECore
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
      if let key = KaldiTextTable.splitFields(text).first { keys.append(key) }
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
