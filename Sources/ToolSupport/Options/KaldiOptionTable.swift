import ArgumentParser
import FileIO
import Foundation

/// The long options of a tool as `KaldiCommandLine` needs them, read from argument-parser's
/// own description of the command (its `--experimental-dump-help` JSON), so that the
/// `@Option`/`@Flag` declarations stay the only place an option is defined.
///
/// Supported declarations: `@Option` (any value type, arrays included) with the default
/// parsing strategy; `@Flag var x = false` (a Kaldi boolean); a defaulted `@Flag` of an
/// `EnumerableFlag` without per-case help (a choice such as `--normalized`/`--unnormalized`).
/// Anything else (`defaultAsFlag`, inverted or counting flags, `@Flag var x = true`) is refused
/// by `init(command:)`, so a new declaration cannot silently bypass the Kaldi semantics.
public struct KaldiOptionTable: Sendable {
  public enum Kind: Sendable, Equatable {
    /// `--x`, `--x=true|false|1|0|t|f`; false unless given.
    case boolean
    /// One name per case; `--case` or `--case=true` selects it, `--case=false` the other case
    /// of a two-case choice.
    case choice
    /// `--x=VALUE` or `--x VALUE`; a repeating option (an array) collects its occurrences.
    case value(repeating: Bool)
  }

  public struct Option: Sendable, Equatable {
    /// Long names without the dashes. Aliases of one option (`wip`, `word-ins-penalty`), the
    /// preferred one first; for a choice, the names of its cases.
    public var names: [String]
    public var kind: Kind
    /// The default as argument-parser prints it (nil when it prints none).
    public var defaultValue: String?

    public init(names: [String], kind: Kind, defaultValue: String? = nil) {
      self.names = names
      self.kind = kind
      self.defaultValue = defaultValue
    }
  }

  public let options: [Option]
  private let positions: [String: Int]

  public init(options: [Option]) {
    self.options = options
    var positions: [String: Int] = [:]
    for (index, option) in options.enumerated() {
      for name in option.names { positions[Self.normalizedName(name)] = index }
    }
    self.positions = positions
  }

  /// The table of `command`'s options (`--help` and `--config` are handled by
  /// `KaldiCommandLine` itself and left out).
  public init(command: ParsableCommand.Type) throws {
    var description = ""
    do { _ = try command.parseAsRoot(["--experimental-dump-help"]) } catch {
      description = command.fullMessage(for: error)
    }
    let dump: CommandDump
    do { dump = try JSONDecoder().decode(CommandDump.self, from: Data(description.utf8)) } catch {
      throw InputError("cannot read the option declarations of \(command): \(error)")
    }
    try self.init(arguments: dump.command.arguments ?? [])
  }

  init(arguments: [CommandDump.Argument]) throws {
    var options: [Option] = []
    for argument in arguments where argument.kind != "positional" {
      let names = (argument.names ?? []).filter { $0.kind == "long" }.map(\.name)
      if names.contains("help") || names == ["config"] { continue }
      func refuse(_ why: String) -> InputError {
        InputError("option declaration not supported by the Kaldi option parser: --\(names.first ?? "?") (\(why))")
      }
      guard !names.isEmpty else { throw refuse("no long name") }
      if argument.kind == "option" {
        guard argument.parsingStrategy == "default" else {
          throw refuse(
            "parsing strategy \(argument.parsingStrategy ?? "?"), e.g. defaultAsFlag: declare a boolean as @Flag")
        }
        options.append(
          Option(names: names, kind: .value(repeating: argument.isRepeating), defaultValue: argument.defaultValue))
        continue
      }
      if argument.isRepeating { throw refuse("a counting flag") }
      // argument-parser prints a choice's default, `--case`, on every case.
      if let defaultValue = argument.defaultValue, defaultValue.hasPrefix("--") {
        if var last = options.last, last.kind == .choice, last.defaultValue == defaultValue {
          last.names += names
          options[options.count - 1] = last
        } else {
          options.append(Option(names: names, kind: .choice, defaultValue: defaultValue))
        }
        continue
      }
      guard argument.defaultValue == nil else { throw refuse("a flag that defaults to true cannot be turned off") }
      options.append(Option(names: names, kind: .boolean))
    }
    for option in options where option.kind == .choice {
      let cases = option.names.map { "--" + $0 }
      guard cases.count >= 2, let defaultValue = option.defaultValue, cases.contains(defaultValue) else {
        throw InputError(
          "option declaration not supported by the Kaldi option parser: \(cases.joined(separator: "/")) (an inverted flag, or an enumerable flag with per-case help)"
        )
      }
    }
    self.init(options: options)
  }

  /// The option a name refers to, and its position in `options`. Names are compared as Kaldi
  /// does: `_` is `-` and case does not matter (`--Word_Ins_Penalty` is `--word-ins-penalty`).
  public func lookup(_ name: String) -> (index: Int, option: Option)? {
    positions[Self.normalizedName(name)].map { ($0, options[$0]) }
  }

  public static func normalizedName(_ name: String) -> String {
    name.lowercased().replacingOccurrences(of: "_", with: "-")
  }
}

/// The part of argument-parser's `--experimental-dump-help` JSON the table reads.
struct CommandDump: Decodable {
  struct Command: Decodable { var arguments: [Argument]? }
  struct Argument: Decodable {
    struct Name: Decodable {
      var kind: String
      var name: String
    }
    var kind: String
    var names: [Name]?
    var isRepeating: Bool
    var parsingStrategy: String?
    var defaultValue: String?
  }
  var command: Command
}
