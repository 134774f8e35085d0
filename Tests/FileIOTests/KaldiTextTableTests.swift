import FileIO
import Foundation
import Testing

struct KaldiTextTableTests {
  /// A fresh file in a unique temporary directory.
  func file(_ content: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("text").path
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(arguments: ["", "ark:", "ark,t:", "ark,p:", "ark,s,cs:", "ark,t,o:"])
  func readsEveryKaldiFormOfTheSameFile(prefix: String) throws {
    let path = try file("u1 a b\r\nu2\r\n\r\n  u3\tc   d \r\n")
    let table = try KaldiTextTable.read(prefix + path)
    #expect(table.map(\.key) == ["u1", "u2", "u3"])
    #expect(table.map(\.words) == [["a", "b"], [], ["c", "d"]])
  }

  @Test func keepsAnyScriptAndNonAsciiSpacesInsideWords() throws {
    let path = try file("utt-zh 你好 世界\nutt-ar مرحبا بالعالم\nutt-x a\u{00A0}b\n")
    let table = try KaldiTextTable.read(path)
    #expect(table[0].words == ["你好", "世界"])
    #expect(table[1].words == ["مرحبا", "بالعالم"])
    #expect(table[2].words == ["a\u{00A0}b"])
  }

  @Test func duplicateKeyNamesKeyFileAndLine() throws {
    let path = try file("u1 a\nu2 b\nu1 c\n")
    #expect(throws: InputError("duplicate key 'u1' (first at line 1)", file: path, line: 3)) {
      try KaldiTextTable.read("ark:" + path)
    }
  }

  @Test func sortedOptionChecksOrder() throws {
    let path = try file("b x\na y\n")
    #expect(throws: InputError.self) { try KaldiTextTable.read("ark,s:" + path) }
    #expect(try KaldiTextTable.read("ark:" + path).count == 2)
  }

  @Test func permissiveSkipsInvalidUTF8Lines() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("bad").path
    #expect(
      FileManager.default.createFile(
        atPath: path, contents: Data([0x75, 0x31, 0x20, 0xFF, 0x0A, 0x75, 0x32, 0x20, 0x61, 0x0A])))
    #expect(throws: InputError("invalid UTF-8", file: path, line: 1)) {
      try KaldiTextTable.read(path)
    }
    #expect(try KaldiTextTable.read("ark,p:" + path).map(\.key) == ["u2"])
  }

  @Test func rejectsUnsupportedSpecifiers() {
    #expect(throws: InputError.self) { try TableSpecifier(parsing: "ark,b:x") }
    #expect(throws: InputError.self) { try TableSpecifier(parsing: "scp:x") }
    #expect(throws: InputError.self) { try TableSpecifier(parsing: "ark,q:x") }
    #expect(throws: InputError.self) { try TableSpecifier(parsing: "ark:") }
    #expect(
      (try? TableSpecifier(parsing: "ark,p:-")) == TableSpecifier(path: "-", permissive: true))
    #expect((try? TableSpecifier(parsing: "-")) == TableSpecifier(path: "-"))
  }
}
