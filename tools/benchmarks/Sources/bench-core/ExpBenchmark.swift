import Foundation
import NCECore

/// Elements per second of `VectorMath.exp` (16-lane SIMD) against scalar `Foundation.exp`.
func expRows() -> [ResultRow] {
  let count = 1 << 14
  var generator = SeededGenerator(seed: 3)
  let input = (0..<count).map { _ in generator.nextUniform() * 20 - 10 }
  var work = input
  var sink: Float = 0
  let vectorSeconds = work.withUnsafeMutableBufferPointer { p in
    secondsPerCall {
      _ = p.update(fromContentsOf: input)
      VectorMath.exp(p.baseAddress!, count: count)
      sink += p[count - 1]
    }
  }
  let scalarSeconds = work.withUnsafeMutableBufferPointer { p in
    secondsPerCall {
      for i in 0..<count { p[i] = Foundation.exp(input[i]) }
      sink += p[count - 1]
    }
  }
  let vectorRate = Double(count) / vectorSeconds
  let scalarRate = Double(count) / scalarSeconds
  return [
    ResultRow(
      benchmark: "exp, \(count) floats", setting: "VectorMath.exp (incl. copy-in)",
      result: rate(vectorRate, "elements/s")),
    ResultRow(
      benchmark: "exp, \(count) floats", setting: "Foundation.exp scalar",
      result: rate(scalarRate, "elements/s")),
    ResultRow(
      benchmark: "exp, \(count) floats", setting: "speed-up",
      result:
        "\(formatted(vectorRate / scalarRate, decimals: 1))x (sink \(sink.isFinite ? "ok" : "inf"))"
    ),
  ]
}
