import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Kaldi-style log lines on stderr: `LOG (<tool>) message`.
public struct Log: Sendable {
  public let tool: String
  public init(tool: String) { self.tool = tool }

  public func info(_ message: String) { stderrWrite("LOG (\(tool)) \(message)\n") }
  public func warning(_ message: String) { stderrWrite("WARNING (\(tool)) \(message)\n") }

  /// True when stderr is a terminal, so a `\r` progress line makes sense.
  public static var stderrIsTerminal: Bool { isatty(2) != 0 }
}
