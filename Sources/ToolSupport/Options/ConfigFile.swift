import FileIO
import Foundation

/// A Kaldi `--config` file: one option per line, `--name=value` or a bare boolean `--name`;
/// `#` starts a comment anywhere on a line; blank lines are skipped; the value is trimmed.
enum ConfigFile {
  struct Line {
    var name: String
    var value: String?
    var number: Int
  }

  /// The option lines of `path`; a line that is not `--name[=value]` is an error naming the
  /// file and line.
  static func read(_ path: String) throws -> [Line] {
    let reader = try LineReader(path: path)
    var lines: [Line] = []
    while let raw = try reader.nextLine() {
      let text = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingCharacters(in: .whitespaces)
      if text.isEmpty { continue }
      let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = String(parts[0])
      guard name.hasPrefix("--"), name.count > 2, !name.contains(where: \.isWhitespace) else {
        throw InputError("expected an option such as --name=value, got '\(text)'", file: path, line: reader.lineNumber)
      }
      let value = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
      lines.append(Line(name: String(name.dropFirst(2)), value: value, number: reader.lineNumber))
    }
    return lines
  }
}
