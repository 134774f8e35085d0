import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

/// Fuzz tests of `KaldiTableReader`: random mutations of a table (stray whitespace and control
/// bytes, a byte-order mark, invalid UTF-8, removed and swapped lines) give exactly the entries
/// an independent byte-level splitter finds, or the error the rules name.
@Suite struct FuzzKaldiTableReaderTests {
  static let table = Array("u1 the cat\u{0B}sat\nu2\n \u{0C} \n\tu3\ta\u{00A0}b  c \r\nu4 你好\r世界\n".utf8)

  /// The entries by the rules, computed on bytes: lines split on `\n` (one trailing `\r`
  /// removed), fields on the six whitespace bytes, blank lines skipped. `.failure(line)` for
  /// the first line that is not UTF-8 (line 1 for a byte-order mark).
  static func reference(_ bytes: [UInt8], permissive: Bool) -> Result<[[String]], LineError> {
    if bytes.starts(with: TextInputRules.utf8ByteOrderMark) { return .failure(LineError(line: 1)) }
    var lines = FileMutator.lines(bytes)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var entries: [[String]] = []
    for (index, var line) in lines.enumerated() {
      if line.last == 0x0D { line.removeLast() }
      guard String(validating: line, as: UTF8.self) != nil else {
        if permissive { continue }
        return .failure(LineError(line: index + 1))
      }
      let fields = line.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
      if !fields.isEmpty { entries.append(fields.map { String(decoding: $0, as: UTF8.self) }) }
    }
    return .success(entries)
  }

  struct LineError: Error, Equatable { var line: Int }

  @Test(arguments: ["", "ark,t:", "ark,p:"])
  func mutatedTablesGiveTheReferenceEntries(prefix: String) throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: prefix == "ark,p:" ? 61 : 60)
    var tally = FuzzTally()
    var byteOrderMarks = 0
    for round in 0..<300 {
      var (bytes, what) = mutator.mutate(Self.table)
      if round % 10 == 0 {
        bytes = TextInputRules.utf8ByteOrderMark + bytes
        what += ", byte-order mark"
      }
      let path = workspace.write(bytes, name: "table")
      let expected = Self.reference(bytes, permissive: prefix == "ark,p:")
      tally.run("round \(round): \(what)", location: path) {
        let reader = try KaldiTableReader(rspecifier: prefix + path)
        var entries: [[String]] = []
        do {
          while let (key, fields) = try reader.next() { entries.append([String(key)] + fields.map(String.init)) }
        } catch let error as InputError {
          if case .failure(let bad) = expected {
            #expect(error.line == bad.line, "round \(round): \(what)")
            if bytes.starts(with: TextInputRules.utf8ByteOrderMark) {
              byteOrderMarks += 1
              #expect(TextInputRules.isByteOrderMarkError(error, file: path), "round \(round): \(what)")
            }
          } else {
            Issue.record("round \(round): \(what): unexpected \(error)")
          }
          throw error
        }
        #expect(expected == .success(entries), "round \(round): \(what)")
      }
    }
    #expect(byteOrderMarks >= 30)
    #expect(tally.accepted > 100 && tally.refused >= 30, "\(tally)")
  }
}
