import FileIO
import Foundation
import TestSupport
import Testing

@testable import WERScoring

/// The text rules (README "Text inputs") for the side files of `compute-wer`: `--map`,
/// `--ignore-words` and `--utt2spk` (its tables are `KaldiTextTable`, tested in FileIOTests).
@Suite struct TextInputRulesTests {
  static func file(_ name: String, bytes: [UInt8]) throws -> String {
    let path = try makeTemporaryDirectory() + "/" + name
    writeBytes(bytes, to: path)
    return path
  }

  static func file(_ name: String, template: String, separator: String) throws -> String {
    try file(name, bytes: Array(TextInputRules.fill(template, with: separator).utf8))
  }

  @Test(arguments: TextInputRules.separators)
  func sideFilesSplitOnEachSeparator(separator: String) throws {
    let map = try Self.file("map", template: "#␣comment␣line\nok␣okay\n␣\n␣a\u{00A0}b␣ab␣\n", separator: separator)
    #expect(try TextNormalizer.readMapping(path: map) == ["ok": "okay", "a\u{00A0}b": "ab"])
    let ignore = try Self.file("ignore", template: "<unk>␣[noise]\n␣\nuh\u{00A0}um␣\n", separator: separator)
    #expect(
      try TextNormalizer.readIgnoredWords(ignore, fileExists: { _ in true }) == ["<unk>", "[noise]", "uh\u{00A0}um"])
    let utt2spk = try Self.file("utt2spk", template: "u1␣s\u{00A0}1\n␣\n␣u2␣␣s2␣\n", separator: separator)
    #expect(try DetailsWriter.readUtteranceToSpeaker(path: utt2spk) == ["u1": "s\u{00A0}1", "u2": "s2"])
    #expect(try DetailsWriter.readUtteranceToSpeaker(path: "ark,t:" + utt2spk).count == 2)
  }

  @Test func sideFilesRefuseAByteOrderMark() throws {
    let readers: [(String, String, (String) throws -> Void)] = [
      ("map", "ok okay\n", { _ = try TextNormalizer.readMapping(path: $0) }),
      ("ignore", "<unk>\n", { _ = try TextNormalizer.readIgnoredWords($0, fileExists: { _ in true }) }),
      ("utt2spk", "u1 s1\n", { _ = try DetailsWriter.readUtteranceToSpeaker(path: $0) }),
    ]
    for (name, content, read) in readers {
      let path = try Self.file(name, bytes: TextInputRules.withByteOrderMark(content))
      var error: (any Error)?
      do { try read(path) } catch let caught { error = caught }
      #expect(TextInputRules.isByteOrderMarkError(error, file: path), "\(name): \(String(describing: error))")
    }
  }

  @Test func utt2spkErrorsNameTheLine() throws {
    let path = try Self.file("utt2spk", bytes: Array("u1 s1\n\nu2 s2 extra\n".utf8))
    #expect(throws: InputError("expected 'utterance speaker' (2 fields), got 3", file: path, line: 3)) {
      _ = try DetailsWriter.readUtteranceToSpeaker(path: path)
    }
    let duplicate = try Self.file("utt2spk", bytes: Array("u1 s1\nu1 s2\n".utf8))
    #expect(throws: InputError("duplicate utterance 'u1'", file: duplicate, line: 2)) {
      _ = try DetailsWriter.readUtteranceToSpeaker(path: duplicate)
    }
  }
}
