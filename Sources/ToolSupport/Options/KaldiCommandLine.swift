import FileIO

/// Kaldi's option semantics (`util/parse-options.cc`) in front of argument-parser, for every
/// tool: `normalize` rewrites a command line into one argument-parser reads unambiguously.
///
/// - Booleans: `--x` is true; `--x=true|false|1|0|t|f` (any case, as Kaldi) sets it; any other
///   value, `--x=` included, is a usage error. `--x false` (a separate word) is refused too:
///   Kaldi would read `false` as a positional argument, so the intent is unclear.
/// - Every option may be given several times; the last occurrence wins, whatever its form
///   (`--x=false --x` is true, `--x --x=false` false). A repeating option (`--nbest-dir`)
///   collects its occurrences instead, and a later source (a later config file, or the
///   command line) replaces the list of an earlier one.
/// - `--config FILE` (or `--config=FILE`, repeatable) is read before any command-line option,
///   whatever its position, so the command line overrides it. A `--config` line inside a
///   config file is an error: Kaldi does not read nested config files either (it silently
///   ignores them).
/// - A value may follow its option after a space, negative numbers included
///   (`--wip -0.5`, `--rnn-weights -0.5,0`); a value that starts with `-` and is not a number
///   needs `=`.
/// - Names are compared as Kaldi compares them: `_` equals `-`, case is ignored.
/// - `--` ends the options; `--help` (any value, any case) or `-h` anywhere before it asks for
///   help.
public struct KaldiCommandLine: Sendable {
  public let table: KaldiOptionTable

  public init(table: KaldiOptionTable) { self.table = table }

  /// What the tool should do with a command line.
  public enum Request: Equatable, Sendable {
    /// Parse these arguments: each option at most once (repeating ones once per value) as
    /// `--name=value`, `--flag` or `--case`, then unknown options as given, then `--` and the
    /// positional arguments.
    case parse([String])
    /// Print the help.
    case help
    /// An argument-parser built-in (`--version`, `--experimental-dump-help`, ...): pass the
    /// command line unchanged.
    case builtin([String])
  }

  /// Kaldi's boolean words, lowercase.
  public static let trueWords: Set<String> = ["true", "t", "1"]
  public static let falseWords: Set<String> = ["false", "f", "0"]

  /// Resolves `arguments` (without the program name). Usage errors are `InputError`s naming
  /// the option and value, and the config file and line when the option came from one.
  public func normalize(_ arguments: [String]) throws -> Request {
    let options = arguments.prefix { $0 != "--" }
    // As in Kaldi, `--help` asks for help whatever its value or spelling (`--Help`).
    let asksForHelp = { (argument: String) in
      argument == "-h"
        || (argument.hasPrefix("--")
          && KaldiOptionTable.normalizedName(String(argument.dropFirst(2).prefix { $0 != "=" })) == "help")
    }
    if options.contains(where: asksForHelp) { return .help }
    let builtins = ["--help-hidden", "--version", "--experimental-dump-help", "--generate-completion-script"]
    if options.contains(where: { argument in builtins.contains { argument == $0 || argument.hasPrefix($0 + "=") } }) {
      return .builtin(arguments)
    }

    let commandLine = try scan(arguments)
    var settings = Settings(count: table.options.count)
    for (source, path) in commandLine.configFiles.enumerated() {
      for line in try ConfigFile.read(path) {
        let place = Place(file: path, line: line.number, source: source)
        if KaldiOptionTable.normalizedName(line.name) == "config" {
          throw place.error("--config inside a config file is not read (nor by Kaldi): put its options here")
        }
        guard let (index, option) = table.lookup(line.name) else {
          throw place.error("unknown option --\(line.name)")
        }
        if case .value = option.kind, line.value == nil {
          throw place.error("--\(line.name) needs a value: write --\(line.name)=VALUE")
        }
        try settings.apply(option, at: index, name: line.name, value: line.value, place: place)
      }
    }
    let commandLineSource = commandLine.configFiles.count
    for occurrence in commandLine.occurrences {
      try settings.apply(
        table.options[occurrence.index], at: occurrence.index, name: occurrence.name, value: occurrence.value,
        place: Place(source: commandLineSource))
    }
    var result = settings.arguments(table)
    result += commandLine.unknown
    if !commandLine.positionals.isEmpty { result += ["--"] + commandLine.positionals }
    return .parse(result)
  }

  /// Where an option came from: a config file and line, or the command line.
  struct Place {
    var file: String?
    var line: Int?
    /// Config files in order, then the command line.
    var source: Int

    func error(_ message: String) -> InputError { InputError(message, file: file, line: line) }
  }

  struct ScannedArguments {
    var configFiles: [String] = []
    var occurrences: [(index: Int, name: String, value: String?)] = []
    var unknown: [String] = []
    var positionals: [String] = []
  }

  /// Splits the command line into config files, known options (with values taken from the
  /// next argument where needed), unknown options and positional arguments.
  func scan(_ arguments: [String]) throws -> ScannedArguments {
    var result = ScannedArguments()
    var index = 0
    func nextValue(after option: String) throws -> String {
      guard index + 1 < arguments.count, Self.looksLikeValue(arguments[index + 1]) else {
        throw InputError(
          "\(option) needs a value (one that starts with '-' and is not a number goes after '=': \(option)=VALUE)")
      }
      index += 1
      return arguments[index]
    }
    while index < arguments.count {
      defer { index += 1 }
      let argument = arguments[index]
      if argument == "--" {
        result.positionals += arguments[(index + 1)...]
        break
      }
      guard argument.hasPrefix("--") else {
        if argument.hasPrefix("-") && !Self.looksLikeValue(argument) {
          result.unknown.append(argument)
        } else {
          result.positionals.append(argument)
        }
        continue
      }
      let parts = argument.dropFirst(2).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = String(parts[0])
      var value = parts.count == 2 ? String(parts[1]) : nil
      if KaldiOptionTable.normalizedName(name) == "config" {
        let path = try value ?? nextValue(after: "--config")
        if path.isEmpty { throw InputError("--config needs a file name") }
        result.configFiles.append(path)
        continue
      }
      guard let (optionIndex, option) = table.lookup(name) else {
        result.unknown.append(argument)
        continue
      }
      switch option.kind {
      case .boolean, .choice:
        if value == nil, index + 1 < arguments.count, Self.isBooleanWord(arguments[index + 1]) {
          throw InputError(
            "--\(name) takes its value after '=': write --\(name)=\(arguments[index + 1]) (a separate '\(arguments[index + 1])' is not its value)"
          )
        }
      case .value:
        if value == nil { value = try nextValue(after: "--\(name)") }
      }
      result.occurrences.append((optionIndex, name, value))
    }
    return result
  }

  /// Whether an argument after a value-taking option is its value: anything that does not
  /// start with `-`, `-` itself (standard input), and negative numbers or number lists
  /// (`-0.5`, `-1:0.5:1`, `-inf`).
  static func looksLikeValue(_ argument: String) -> Bool {
    guard argument.hasPrefix("-"), argument != "-" else { return true }
    let second = argument.dropFirst().first
    return second == "." || (second?.isNumber ?? false) || Double(argument) != nil
  }

  static func isBooleanWord(_ word: String) -> Bool {
    trueWords.contains(word.lowercased()) || falseWords.contains(word.lowercased())
  }

  /// Kaldi's `ToBool`: nil (a bare `--x`) is true.
  static func boolean(_ value: String?, name: String, place: Place) throws -> Bool {
    guard let value else { return true }
    let word = value.lowercased()
    if trueWords.contains(word) { return true }
    if falseWords.contains(word) { return false }
    throw place.error("invalid value '\(value)' for the boolean --\(name): expected true, false, 1, 0, t or f")
  }

  /// The resolved value of every option.
  struct Settings {
    enum Setting {
      case unset
      case boolean(Bool)
      case choice(String)
      case value(String)
      case values([String], source: Int)
    }
    var settings: [Setting]

    init(count: Int) { settings = Array(repeating: .unset, count: count) }

    mutating func apply(_ option: KaldiOptionTable.Option, at index: Int, name: String, value: String?, place: Place)
      throws
    {
      switch option.kind {
      case .boolean:
        settings[index] = .boolean(try KaldiCommandLine.boolean(value, name: name, place: place))
      case .choice:
        // `name` was looked up in this option, so one of its cases matches.
        let chosen = option.names.first {
          KaldiOptionTable.normalizedName($0) == KaldiOptionTable.normalizedName(name)
        }!
        if try KaldiCommandLine.boolean(value, name: name, place: place) {
          settings[index] = .choice(chosen)
        } else if option.names.count == 2 {
          settings[index] = .choice(option.names.first { $0 != chosen }!)
        } else {
          let others = option.names.filter { $0 != chosen }.map { "--" + $0 }.joined(separator: ", ")
          throw place.error("--\(name)=false does not say which other choice to make: give one of \(others)")
        }
      case .value(repeating: false):
        settings[index] = .value(value ?? "")
      case .value(repeating: true):
        if case .values(let earlier, let source) = settings[index], source == place.source {
          settings[index] = .values(earlier + [value ?? ""], source: source)
        } else {
          settings[index] = .values([value ?? ""], source: place.source)
        }
      }
    }

    func arguments(_ table: KaldiOptionTable) -> [String] {
      var arguments: [String] = []
      for (option, setting) in zip(table.options, settings) {
        let name = "--" + option.names[0]
        switch setting {
        case .unset, .boolean(false): break
        case .boolean(true): arguments.append(name)
        case .choice(let chosen): arguments.append("--" + chosen)
        case .value(let value): arguments.append(name + "=" + value)
        case .values(let values, _): arguments += values.map { name + "=" + $0 }
        }
      }
      return arguments
    }
  }
}
