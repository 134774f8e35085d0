import ArgumentParser
import FileIO
import Foundation
import TestSupport
import Testing

@testable import ToolSupport

enum Mode: String, EnumerableFlag { case fast, exact }

/// A command with one option of every kind the tools declare.
struct SampleCommand: ParsableCommand {
  @OptionGroup var shared: SharedOptions
  @Flag(help: "A boolean.") var verbose = false
  @Flag(help: "Another boolean.") var dryRun = false
  @Flag(help: "A choice.") var mode = Mode.fast
  @Option(help: "A number.") var rate = 0.5
  @Option(name: [.customLong("wip"), .customLong("word-ins-penalty")], help: "Aliases.") var wip = "0"
  @Option(help: "An optional value.") var name: String?
  @Option(name: .customLong("input"), help: "Repeating.") var inputs: [String] = []
  @Argument var files: [String] = []
}

@Suite struct KaldiCommandLineTests {
  static let table = try! KaldiOptionTable(command: SampleCommand.self)
  static let parser = KaldiCommandLine(table: table)

  func normalized(_ arguments: [String]) throws -> [String] {
    guard case .parse(let result) = try Self.parser.normalize(arguments) else {
      Issue.record("not a parse request: \(arguments)")
      return []
    }
    return result
  }

  /// Normalizes, then parses with argument-parser, as `KaldiTool.main` does.
  func parsed(_ arguments: [String]) throws -> SampleCommand {
    try SampleCommand.parse(try normalized(arguments))
  }

  func usageError(_ arguments: [String]) -> InputError? {
    do {
      _ = try Self.parser.normalize(arguments)
      return nil
    } catch let error as InputError { return error } catch { return InputError("unexpected \(error)") }
  }

  @Test func tableReadsTheDeclarations() {
    let options = Self.table.options
    // The shared options come first (--config is handled before the table: it is not in it).
    #expect(
      options.map(\.names) == [
        ["progress-interval"], ["verbose"], ["dry-run"], ["fast", "exact"], ["rate"], ["wip", "word-ins-penalty"],
        ["name"], ["input"],
      ])
    #expect(
      options.map(\.kind) == [
        .value(repeating: false), .boolean, .boolean, .choice, .value(repeating: false), .value(repeating: false),
        .value(repeating: false), .value(repeating: true),
      ])
    #expect(options[0].defaultValue == "30.0")
    #expect(options[3].defaultValue == "--fast")
    #expect(options[4].defaultValue == "0.5")
  }

  @Test(arguments: ["true", "TRUE", "True", "t", "T", "1"])
  func trueWords(_ word: String) throws {
    #expect(try parsed(["--verbose=\(word)"]).verbose)
    #expect(try parsed(["--verbose=false", "--verbose=\(word)"]).verbose)
  }

  @Test(arguments: ["false", "FALSE", "False", "f", "F", "0"])
  func falseWords(_ word: String) throws {
    #expect(try !parsed(["--verbose=\(word)"]).verbose)
    #expect(try !parsed(["--verbose", "--verbose=\(word)"]).verbose)
  }

  @Test(arguments: ["no", "yes", "garbage", "", "2", "tru", " true"])
  func otherBooleanValuesAreRefused(_ word: String) {
    let error = usageError(["--rate=1", "--verbose=\(word)", "--dry-run"])
    #expect(
      error?.message.contains("--verbose") == true && error?.message.contains("'\(word)'") == true,
      "\(String(describing: error))")
  }

  /// The meaning never depends on the position: first, middle, last.
  @Test func booleanPositionDoesNotMatter() throws {
    for arguments in [
      ["--verbose=false", "--rate", "2", "a"], ["--rate", "2", "--verbose=false", "a"],
      ["--rate", "2", "a", "--verbose=false"],
    ] {
      let command = try parsed(arguments)
      #expect(!command.verbose && command.rate == 2 && command.files == ["a"], "\(arguments)")
    }
    for arguments in [
      ["--verbose", "--rate", "2", "a"], ["--rate", "2", "--verbose", "a"], ["--rate", "2", "a", "--verbose"],
    ] {
      let command = try parsed(arguments)
      #expect(command.verbose && command.rate == 2 && command.files == ["a"], "\(arguments)")
    }
  }

  @Test func lastOccurrenceWins() throws {
    #expect(try parsed(["--verbose=false", "--verbose"]).verbose)
    #expect(try !parsed(["--verbose", "--verbose=false"]).verbose)
    #expect(try parsed(["--verbose", "--verbose"]).verbose)
    #expect(try parsed(["--rate", "1", "--rate=3"]).rate == 3)
    #expect(try parsed(["--wip=1", "--word-ins-penalty", "2"]).wip == "2")
    #expect(try parsed(["--word-ins-penalty=2", "--wip", "-1"]).wip == "-1")
    #expect(try parsed(["--exact", "--fast"]).mode == .fast)
    #expect(try parsed(["--fast", "--exact"]).mode == .exact)
    #expect(try parsed(["--exact=false"]).mode == .fast)
    #expect(try parsed(["--fast=0"]).mode == .exact)
    #expect(try parsed(["--fast=0", "--exact=f"]).mode == .fast)
    // A repeating option collects its occurrences.
    #expect(try parsed(["--input", "a", "--input=b"]).inputs == ["a", "b"])
  }

  @Test func spaceSeparatedBooleanValueIsRefused() {
    for word in ["false", "true", "0", "1", "F"] {
      let error = usageError(["--verbose", word])
      #expect(error?.message.contains("--verbose=\(word)") == true, "\(String(describing: error))")
    }
    #expect(usageError(["--exact", "false"]) != nil)
  }

  @Test func negativeNumbersAfterASpace() throws {
    #expect(try parsed(["--rate", "-0.5"]).rate == -0.5)
    #expect(try parsed(["--rate", "-.5"]).rate == -0.5)
    #expect(try parsed(["--wip", "-0.5,0"]).wip == "-0.5,0")
    #expect(try parsed(["--wip", "-1:0.5:1"]).wip == "-1:0.5:1")
    #expect(try parsed(["--name", "-"]).name == "-")
    #expect(try parsed(["--name=-x"]).name == "-x")
    // A value that starts with '-' and is not a number needs '='.
    #expect(usageError(["--name", "-x"])?.message.contains("--name=VALUE") == true)
    #expect(usageError(["--name"])?.message.contains("--name needs a value") == true)
    #expect(usageError(["--name", "--verbose"]) != nil)
  }

  @Test func kaldiNamesIgnoreCaseAndUnderscores() throws {
    #expect(try parsed(["--Dry_Run", "--WORD_INS_PENALTY=3"]).dryRun)
    #expect(try parsed(["--word_ins_penalty=3"]).wip == "3")
  }

  @Test func unknownOptionsAndPositionalsPassThrough() throws {
    #expect(
      try normalized(["a", "--nope", "--verbose", "-", "--", "--rate"]) == [
        "--verbose", "--nope", "--", "a", "-", "--rate",
      ])
    #expect(throws: (any Error).self) { try parsed(["--nope"]) }
  }

  @Test func helpAndBuiltins() throws {
    #expect(try Self.parser.normalize(["--rate", "x", "--help"]) == .help)
    #expect(try Self.parser.normalize(["-h"]) == .help)
    #expect(try Self.parser.normalize(["--Help"]) == .help)
    #expect(try Self.parser.normalize(["--help=false", "--verbose"]) == .help)
    #expect(try Self.parser.normalize(["--", "--help"]) == .parse(["--", "--help"]))
    #expect(try Self.parser.normalize(["--experimental-dump-help"]) == .builtin(["--experimental-dump-help"]))
  }

  @Test func configFileComesFirstAndTheCommandLineWins() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let config = directory + "/a.conf"
    try
      "# defaults\n--verbose=false   # trailing comment\n\n--rate= 0.25\n--exact\n--input=x\n--input=y\n--word_ins_penalty=-2\n"
      .write(toFile: config, atomically: false, encoding: .utf8)
    // Wherever --config is, the command line overrides it.
    for arguments in [["--config", config, "--verbose"], ["--verbose", "--config=\(config)"]] {
      let command = try parsed(arguments)
      #expect(command.verbose && command.rate == 0.25 && command.mode == .exact && command.wip == "-2", "\(arguments)")
      #expect(command.inputs == ["x", "y"])
    }
    let overridden = try parsed(["--config", config, "--rate=1", "--fast", "--input=z"])
    #expect(overridden.rate == 1 && overridden.mode == .fast && !overridden.verbose && overridden.inputs == ["z"])
    // A later config file overrides an earlier one.
    let second = directory + "/b.conf"
    try "--verbose\n--rate=2\n".write(toFile: second, atomically: false, encoding: .utf8)
    let both = try parsed(["--config", config, "--config", second])
    #expect(both.verbose && both.rate == 2 && both.mode == .exact)
    let reversed = try parsed(["--config", second, "--config", config])
    #expect(!reversed.verbose && reversed.rate == 0.25)
  }

  @Test func configFileErrorsNameTheFileAndLine() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let cases: [(String, String)] = [
      ("--rate=1\n--verbose=yes\n", "2: invalid value 'yes' for the boolean --verbose"),
      ("\n--rate\n", "2: --rate needs a value"),
      ("--nope=1\n", "1: unknown option --nope"),
      ("--rate 0.5\n", "1: expected an option such as --name=value"),
      ("rate=0.5\n", "1: expected an option such as --name=value"),
      ("--verbose\n--config=\(directory)/other.conf\n", "2: --config inside a config file is not read"),
      ("--verbose=\n", "1: invalid value '' for the boolean --verbose"),
    ]
    for (index, (content, expected)) in cases.enumerated() {
      let path = directory + "/\(index).conf"
      try content.write(toFile: path, atomically: false, encoding: .utf8)
      let error = usageError(["--config", path])
      #expect(error?.description.hasPrefix("\(path):\(expected)") == true, "\(String(describing: error))")
    }
    #expect(
      usageError(["--config", directory + "/missing.conf"])?.description.hasPrefix(directory + "/missing.conf") == true)
    #expect(usageError(["--config"])?.message.contains("--config needs a value") == true)
    #expect(usageError(["--config="])?.message == "--config needs a file name")
  }

  /// Seeded corruptions of a config file: each is read or refused with an error naming it.
  @Test func fuzzConfigFile() throws {
    let workspace = try FuzzWorkspace()
    let valid = Array("# sample\n--verbose=false\n--rate=0.25\n--exact\n--input=x\n--wip=-1\n".utf8)
    var tally = FuzzTally()
    for seed in 0..<300 {
      var mutator = FileMutator(seed: UInt64(seed))
      let (bytes, what) = mutator.mutate(valid)
      let path = workspace.write(bytes, name: "fuzz.conf")
      tally.run("seed \(seed): \(what)", location: path) { _ = try Self.parser.normalize(["--config", path]) }
    }
    #expect(tally.accepted > 0 && tally.refused > 0, "\(tally)")
  }

  @Test func unsupportedDeclarationsAreRefused() {
    struct DefaultAsFlag: ParsableCommand { @Option(defaultAsFlag: true) var x: Bool? }
    struct Inverted: ParsableCommand { @Flag(inversion: .prefixedNo) var x = false }
    struct Counter: ParsableCommand { @Flag var v: Int }
    for command in [DefaultAsFlag.self, Inverted.self, Counter.self] as [ParsableCommand.Type] {
      #expect(throws: InputError.self, "\(command)") { try KaldiOptionTable(command: command) }
    }
  }

  @Test func helpShowsTheDefaultOfBooleans() {
    let help = KaldiHelp.annotate(SampleCommand.helpMessage(columns: 80), table: Self.table)
    let lines = help.split(separator: "\n").map(String.init)
    func entry(_ label: String) -> String {
      guard let start = lines.firstIndex(where: { $0.hasPrefix("  " + label) }) else { return "" }
      return lines[start...].prefix { $0 == lines[start] || $0.hasPrefix("   ") }.joined(separator: " ")
    }
    #expect(entry("--verbose").hasSuffix("A boolean. (default: false)"), "\(help)")
    #expect(entry("--dry-run").hasSuffix("(default: false)"), "\(help)")
    #expect(entry("--fast/--exact").contains("(default: --fast)"), "\(help)")
    #expect(entry("--rate").contains("(default: 0.5)"), "\(help)")
    #expect(help.components(separatedBy: "(default: false)").count == 3, "\(help)")
    #expect(!help.contains("default as flag"))
  }

  /// When the default does not fit on the entry's last line, it gets a line of its own.
  @Test func helpDefaultThatDoesNotFitGoesOnANewLine() throws {
    struct LongHelp: ParsableCommand {
      @Flag(help: ArgumentHelp(String(repeating: "w", count: 50))) var long = false
      @Option var other = 1
    }
    let help = KaldiHelp.annotate(
      LongHelp.helpMessage(columns: 80), table: try KaldiOptionTable(command: LongHelp.self))
    let lines = help.split(separator: "\n").map(String.init)
    let index = try #require(lines.firstIndex { $0.hasPrefix("  --long ") })
    #expect(lines[index].hasSuffix(String(repeating: "w", count: 50)), "\(help)")
    #expect(lines[index + 1].trimmingCharacters(in: .whitespaces) == "(default: false)", "\(help)")
    #expect(lines[index + 1].prefix { $0 == " " }.count == lines[index].count - 50, "\(help)")
    #expect(lines.allSatisfy { $0.count <= 80 }, "\(help)")
  }
}
