/// An error in user-supplied input or the file system, located as precisely as known.
///
/// `description` is the one-line form the tools print after `ERROR (<tool>): `:
/// `<file>:<line>: <message>`, `<file>: <message>` or just `<message>`.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
  public var file: String?
  public var line: Int?
  public var message: String

  public init(_ message: String, file: String? = nil, line: Int? = nil) {
    self.message = message
    self.file = file
    self.line = line
  }

  public var description: String {
    switch (file, line) {
    case (let file?, let line?): return "\(file):\(line): \(message)"
    case (let file?, nil): return "\(file): \(message)"
    default: return message
    }
  }
}
