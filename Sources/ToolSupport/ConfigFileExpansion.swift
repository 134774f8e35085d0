import FileIO

/// Kaldi's `--config FILE`: each non-empty, non-`#` line of the file is an option such as
/// `--lr=0.5`. Options from the file come first so that the command line overrides them.
enum ConfigFileExpansion {
  static func expand(_ arguments: [String]) throws -> [String] {
    var fromFiles: [String] = []
    var rest: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--config" {
        guard index + 1 < arguments.count else { throw InputError("--config needs a file name") }
        fromFiles += try options(in: arguments[index + 1])
        index += 2
        continue
      }
      if argument.hasPrefix("--config=") {
        fromFiles += try options(in: String(argument.dropFirst("--config=".count)))
      } else {
        rest.append(argument)
      }
      index += 1
    }
    return fromFiles + rest
  }

  private static func options(in path: String) throws -> [String] {
    let reader = try LineReader(path: path)
    var options: [String] = []
    while let raw = try reader.nextLine() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      guard line.hasPrefix("--") else {
        throw InputError("expected an option such as --name=value, got '\(line)'", file: path, line: reader.lineNumber)
      }
      options.append(line)
    }
    return options
  }
}
