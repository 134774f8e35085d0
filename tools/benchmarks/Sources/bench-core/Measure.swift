import Dispatch

/// Mean seconds per call of `body` in the fastest of `rounds` rounds, each running for at
/// least `roundSeconds` of wall clock after one warm-up call. The best round is the one least
/// disturbed by other processes on a shared machine.
func secondsPerCall(rounds: Int = 5, roundSeconds: Double = 0.06, _ body: () -> Void) -> Double {
  body()
  var best = Double.infinity
  for _ in 0..<rounds {
    var calls = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed = 0.0
    repeat {
      body()
      calls += 1
      elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    } while elapsed < roundSeconds
    best = min(best, elapsed / Double(calls))
  }
  return best
}

/// Formats a rate with an SI prefix: `rate(2.5e8, "draws/s")` is "250.0 M draws/s".
func rate(_ value: Double, _ unit: String) -> String {
  let (scaled, prefix): (Double, String) =
    value >= 1e9
    ? (value / 1e9, "G")
    : value >= 1e6 ? (value / 1e6, "M") : value >= 1e3 ? (value / 1e3, "k") : (value, "")
  return "\(formatted(scaled, decimals: 1)) \(prefix) \(unit)"
}

/// Fixed-point decimal without Foundation's locale-dependent formatting.
func formatted(_ value: Double, decimals: Int) -> String {
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let rounded = (value * scale).rounded() / scale
  var text = "\(rounded)"
  if let dot = text.firstIndex(of: ".") {
    let fraction = text[text.index(after: dot)...]
    if fraction.count < decimals {
      text += String(repeating: "0", count: decimals - fraction.count)
    }
    if fraction.count > decimals { text = String(text[..<text.index(dot, offsetBy: decimals + 1)]) }
  }
  return text
}

/// One row of the markdown table.
struct ResultRow {
  var benchmark: String
  var setting: String
  var result: String
}

func printTable(title: String, _ rows: [ResultRow]) {
  print("### \(title)\n")
  print("| benchmark | setting | result |")
  print("|---|---|---|")
  for row in rows { print("| \(row.benchmark) | \(row.setting) | \(row.result) |") }
  print()
}
