import ArgumentParser
import FileIO
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A command-line tool with Kaldi's conventions: results on stdout, logs on stderr, errors as
/// one line `ERROR (<tool>): <file>:<line>: <what>`, exit 1 on runtime errors and 64 on usage
/// errors, `--help` on stdout with exit 0, and options with Kaldi's semantics
/// (`KaldiCommandLine`: booleans, last occurrence wins, `--config FILE`).
public protocol KaldiTool: ParsableCommand {}

extension KaldiTool {
  public static var toolName: String { configuration.commandName ?? String(describing: Self.self) }

  public static func main() {
    // A file-size limit (`ulimit -f`) is then a write error (EFBIG), reported and cleaned up.
    signal(SIGXFSZ, SIG_IGN)
    TemporaryFileRegistry.removeOnTermination()
    signal(SIGXFSZ, SIG_IGN)  // a size limit (ulimit -f) is then a write error (EFBIG), reported and cleaned up
    let table: KaldiOptionTable
    do { table = try KaldiOptionTable(command: Self.self) } catch { fail(error, code: 70) }
    let arguments: [String]
    do {
      switch try KaldiCommandLine(table: table).normalize(Array(CommandLine.arguments.dropFirst())) {
      case .help:
        print(KaldiHelp.annotate(helpMessage(), table: table))
        Glibc.exit(0)
      case .builtin(let given): arguments = given
      case .parse(let normalized):
        arguments = normalized
        GivenOptions.record(normalized)
      }
    } catch {
      usageFailure(String(describing: error))
    }
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch let error as InputError {
      fail(error, code: 1)
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        Glibc.exit(0)
      }
      if let exitCode = error as? ExitCode { Glibc.exit(exitCode.rawValue) }
      let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      if code == .validationFailure { usageFailure(message) }
      stderrWrite("ERROR (\(toolName)): \(message)\n")
      Glibc.exit(code.rawValue)
    }
  }

  static func usageFailure(_ message: String) -> Never {
    stderrWrite("ERROR (\(toolName)): \(message)\n")
    stderrWrite("Try '\(toolName) --help' for usage.\n")
    Glibc.exit(64)
  }

  static func fail(_ error: Error, code: Int32) -> Never {
    stderrWrite("ERROR (\(toolName)): \(error)\n")
    Glibc.exit(code)
  }
}

/// The options this run was given, on the command line or in a `--config` file, by their first
/// names (`lr` for `--lr=0.5`; a boolean set to false is not given). Recorded once, before the
/// command is parsed, so that `validate()` can refuse options that a mode would not use.
public enum GivenOptions {
  private static let names = Mutex<Set<String>>([])

  public static var all: Set<String> { names.withLock { $0 } }

  static func record(_ normalized: [String]) {
    let given = normalized.prefix { $0 != "--" }.filter { $0.hasPrefix("--") }.map {
      String($0.dropFirst(2).prefix { $0 != "=" })
    }
    names.withLock { $0 = Set(given) }
  }
}
