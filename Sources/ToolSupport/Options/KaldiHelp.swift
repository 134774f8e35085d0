/// argument-parser's help screen with the default of every boolean shown: it prints
/// `(default: ...)` for options and choices but nothing for a flag that is off by default.
enum KaldiHelp {
  static func annotate(_ help: String, table: KaldiOptionTable) -> String {
    var lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let width = max(80, lines.map(\.count).max() ?? 0)
    let suffix = " (default: false)"
    for option in table.options where option.kind == .boolean {
      let label = "  --" + option.names[0]
      guard let first = lines.firstIndex(where: { $0 == label || $0.hasPrefix(label + " ") }) else { continue }
      // An entry continues on lines indented deeper than its label.
      var last = first
      while last + 1 < lines.count, lines[last + 1].hasPrefix("   ") { last += 1 }
      if lines[first...last].contains(where: { $0.contains("(default:") }) { continue }
      if lines[last].count + suffix.count <= width {
        lines[last] += suffix
      } else {
        let indent = lines[last].prefix { $0 == " " }.count > 2 ? lines[last].prefix { $0 == " " }.count : 26
        lines.insert(String(repeating: " ", count: indent) + suffix.dropFirst(), at: last + 1)
      }
    }
    return lines.joined(separator: "\n")
  }
}
