import FileIO

/// Kaldi-style log lines on stderr: `LOG (<tool>) message`.
public struct Log: Sendable {
  public let tool: String
  public init(tool: String) { self.tool = tool }

  public func info(_ message: String) { stderrWrite("LOG (\(tool)) \(message)\n") }
  public func warning(_ message: String) { stderrWrite("WARNING (\(tool)) \(message)\n") }
}
