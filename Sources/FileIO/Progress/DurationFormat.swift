/// `1h02m03s`, `4m05s` or `6s`: compact durations for progress lines.
public func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite && seconds >= 0 else { return "?" }
  let s = Int(seconds.rounded())
  if s >= 3600 { return "\(s / 3600)h\(pad2((s % 3600) / 60))m\(pad2(s % 60))s" }
  if s >= 60 { return "\(s / 60)m\(pad2(s % 60))s" }
  return "\(s)s"
}

private func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
