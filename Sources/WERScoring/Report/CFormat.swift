#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// C `printf` formatting, so that numbers print exactly as Kaldi's C++ and Perl scripts print
/// them (glibc rounding, `-nan`, `inf`).
enum CFormat {
  /// `String(format:)`-like, through `vsnprintf`.
  static func format(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
      var buffer = [CChar](repeating: 0, count: 64)
      let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
      if needed < buffer.count {
        return String(decoding: buffer.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      }
      buffer = [CChar](repeating: 0, count: needed + 1)
      return withVaList(arguments) { again in
        _ = vsnprintf(&buffer, buffer.count, format, again)
        return String(decoding: buffer.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      }
    }
  }

  /// Right-aligns (`width > 0`) or left-aligns (`width < 0`) `text` to `|width|` characters,
  /// counting Unicode scalars as Perl's `sprintf("%Ns")` does on decoded UTF-8 strings.
  static func pad(_ text: String, _ width: Int) -> String {
    let missing = abs(width) - text.unicodeScalars.count
    guard missing > 0 else { return text }
    let spaces = String(repeating: " ", count: missing)
    return width > 0 ? spaces + text : text + spaces
  }
}
