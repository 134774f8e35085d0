import FileIO
import Foundation

/// The cases every text reader is tested with (README "Text inputs"): each of Kaldi's
/// whitespace characters as a separator, a non-ASCII space that stays inside a token, and a
/// byte-order mark at the start of the file, which is an error naming the file.
public enum TextInputRules {
  /// Kaldi's separators that can occur inside a line (`\n` ends the line). Each test builds its
  /// input from a template whose `␣` slots are replaced by one of these.
  public static let separators = [" ", "\t", "\u{0B}", "\u{0C}", "\r"]
  /// A no-break space: not Kaldi whitespace, so part of the token around it.
  public static let noBreakSpace = "\u{00A0}"
  public static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// `template` with every `␣` replaced by `separator`.
  public static func fill(_ template: String, with separator: String) -> String {
    template.replacingOccurrences(of: "␣", with: separator)
  }

  /// The bytes of `text` after a UTF-8 byte-order mark.
  public static func withByteOrderMark(_ text: String) -> [UInt8] {
    utf8ByteOrderMark + Array(text.utf8)
  }

  /// Whether `error` is the byte-order-mark error of `file`: an `InputError` at line 1.
  public static func isByteOrderMarkError(_ error: (any Error)?, file: String) -> Bool {
    guard let error = error as? InputError else { return false }
    return error.file == file && error.line == 1 && error.message.contains("byte-order mark")
  }
}
