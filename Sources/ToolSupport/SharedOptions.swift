import ArgumentParser
import FileIO

#if canImport(Glibc)
  import Glibc
#endif

/// Options every tool accepts.
public struct SharedOptions: ParsableArguments {
  @Option(help: "A file of Kaldi-style options, one --name=value per line; the command line overrides it.")
  public var config: String?

  @Option(
    help: """
      Progress of long jobs on stderr: on a terminal a live line refreshed every second; otherwise \
      (a log file) one line every this many seconds. 0 switches progress off.
      """)
  public var progressInterval: Double = 30

  public init() {}

  /// Checks the values and makes the progress style the default of every `ProgressMeter`: parsing
  /// happens once per process, before `run()`.
  public func validate() throws {
    guard progressInterval.isFinite, progressInterval >= 0 else {
      throw ValidationError("--progress-interval must be a number of seconds >= 0, got \(progressInterval)")
    }
    ProgressMeter.defaultStyle = ProgressMeter.style(
      logInterval: progressInterval, stderrIsTerminal: isatty(STDERR_FILENO) != 0)
  }
}
