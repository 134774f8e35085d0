import FileIO
import Foundation
import TestSupport
import Testing

/// The one tokenizer, the one table reader and the byte-order-mark rule of `LineReader`.
@Suite struct TextInputRulesTests {
  @Test(arguments: TextInputRules.separators)
  func eachKaldiWhitespaceSeparatesTokens(separator: String) {
    let line = TextInputRules.fill("␣a␣␣b\(TextInputRules.noBreakSpace)c␣d␣", with: separator)
    #expect(WhitespaceTokenizer.tokens(of: line) == ["a", "b\u{00A0}c", "d"])
    #expect(WhitespaceTokenizer.trimmed(line) == TextInputRules.fill("a␣␣b\u{00A0}c␣d", with: separator)[...])
    #expect(WhitespaceTokenizer.isBlank(separator + separator))
    let entry = WhitespaceTokenizer.keyAndFields(of: TextInputRules.fill("k␣x", with: separator))
    #expect(entry?.key == "k" && entry?.fields == ["x"])
  }

  /// Unicode spaces outside ASCII, and other control bytes, belong to tokens as in Kaldi.
  @Test func onlyTheSixAsciiBytesSeparate() {
    for space in [
      "\u{00A0}", "\u{0085}", "\u{1680}", "\u{2003}", "\u{2028}", "\u{3000}", "\u{FEFF}", "\u{1C}", "\u{00}",
    ] {
      #expect(
        WhitespaceTokenizer.tokens(of: "a\(space)b c") == ["a\(space)b", "c"], "\(space.unicodeScalars.first!.value)")
      #expect(!WhitespaceTokenizer.isBlank(space))
    }
    let separators = (0...255).filter { WhitespaceTokenizer.isSeparator(UInt8($0)) }
    #expect(separators == [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20])
    #expect(WhitespaceTokenizer.keyAndFields(of: " \t ") == nil)
    #expect(WhitespaceTokenizer.trimmed(" \u{0B} ").isEmpty)
  }

  @Test(arguments: TextInputRules.separators)
  func tableReaderSplitsOnEachSeparatorAndSkipsBlankLines(separator: String) throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/table"
    let text = TextInputRules.fill("u1␣a␣␣b\n␣\n\n␣u2\nu3␣x\u{00A0}y␣\n", with: separator)
    writeBytes(Array(text.utf8), to: path)
    let reader = try KaldiTableReader(rspecifier: path)
    var entries: [(String, [String], Int)] = []
    while let (key, fields) = try reader.next() {
      entries.append((String(key), fields.map(String.init), reader.lineNumber))
    }
    #expect(entries.map(\.0) == ["u1", "u2", "u3"])
    #expect(entries.map(\.1) == [["a", "b"], [], ["x\u{00A0}y"]])
    #expect(entries.map(\.2) == [1, 4, 5])
  }

  @Test func byteOrderMarkIsAnErrorNamingTheFileInEveryForm() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/text"
    writeBytes(TextInputRules.withByteOrderMark("u1 a\nu2 b\n"), to: path)
    writeBytes(try ZstdCodec.compress(TextInputRules.withByteOrderMark("u1 a\n")), to: path + ".zst")
    for name in [path, path + ".zst", "cat \(path) |"] {
      let error = #expect(throws: InputError.self) { _ = try LineReader.lines(of: name) }
      #expect(TextInputRules.isByteOrderMarkError(error, file: name), "\(String(describing: error))")
    }
    for spec in [path, "ark:" + path, "ark,t:" + path, "ark,p:" + path, "ark,s,cs:" + path] {
      let error = #expect(throws: InputError.self) { _ = try KaldiTextTable.read(spec) }
      #expect(TextInputRules.isByteOrderMarkError(error, file: path), "\(spec)")
    }
    // A mark later in the file is an ordinary character of a token (U+FEFF), as in Kaldi.
    writeBytes(Array("u1 a\n".utf8) + TextInputRules.utf8ByteOrderMark + Array("u2 b\n".utf8), to: path)
    #expect(try KaldiTextTable.read(path).map(\.key) == ["u1", "\u{FEFF}u2"])
  }

  @Test func utf16TextIsNamedAsSuch() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/text"
    writeBytes([0xFF, 0xFE] + Array("u\0\n\0".utf8), to: path)
    let error = #expect(throws: InputError.self) { _ = try LineReader.lines(of: path) }
    #expect(error?.file == path && error?.line == 1 && error?.message.contains("UTF-16") == true)
  }

  /// Every rspecifier form reads the same table: plain path, `ark:`, `ark,t:`, `ark,s,cs:`,
  /// `ark,p:`, a command, `ark:` + a command, a gzip file through a command.
  @Test func everyRspecifierFormReadsTheTable() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/text"
    writeBytes(Array("a 1 2\nb\nc 3\n".utf8), to: path)
    let forms = [
      path, "ark:" + path, "ark,t:" + path, "ark,s,cs:" + path, "ark,p:" + path, "ark,t,o:" + path,
      "cat \(path) |", "ark:cat \(path) |", "ark,t:gzip -c \(path) | gunzip -c |",
    ]
    for form in forms {
      let table = try KaldiTextTable.read(form)
      #expect(table.map(\.key) == ["a", "b", "c"], "\(form)")
      #expect(table.map(\.words) == [["1", "2"], [], ["3"]], "\(form)")
    }
    #expect(throws: InputError.self) { _ = try KaldiTableReader(rspecifier: "scp:" + path) }
    let failing = #expect(throws: InputError.self) { _ = try KaldiTextTable.read("ark:false |") }
    #expect(failing?.message.contains("exit status 1") == true)
  }

  @Test func sortedTablesAreCheckedWhileStreaming() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/text"
    writeBytes(Array("a x\nc y\nb z\n".utf8), to: path)
    let reader = try KaldiTableReader(rspecifier: "ark,s:" + path)
    #expect(try reader.next()?.key == "a")
    #expect(try reader.next()?.key == "c")
    #expect(
      throws: InputError("key 'b' comes after 'c' but the table was declared sorted (ark,s:)", file: path, line: 3)
    ) {
      _ = try reader.next()
    }
  }
}
