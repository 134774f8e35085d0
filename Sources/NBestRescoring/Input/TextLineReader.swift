import Foundation
import FileIO
import NCECore

/// Streams the lines of an N-best or text file (plain, `.zst`, `.gz` or `-`): `NCECore.LineReader`
/// plus errors located at the line last read. A trailing `\r` is removed, lines must be valid
/// UTF-8, and memory is bounded by the longest line.
public final class TextLineReader {
  /// The path as given (used in error messages).
  public let path: String
  private let reader: LineReader

  public init(path: String) throws {
    self.path = path
    reader = try LineReader(path: path)
  }

  /// 1-based number of the line last returned.
  public var lineNumber: Int { reader.lineNumber }

  /// The next line without its terminator, or nil at the end of input.
  public func nextLine() throws -> String? { try reader.nextLine() }

  /// An `InputError` located at the line last returned.
  public func error(_ message: String) -> InputError {
    InputError(message, file: path, line: lineNumber)
  }
}
