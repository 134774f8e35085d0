import Foundation

/// A fresh directory under the system temporary directory, unique per call so that tests
/// running in parallel never share files. The caller removes it with `removeTree`.
func makeTemporaryDirectory(_ label: String = #function) throws -> String {
  let name = "ncecore-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
  let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

func removeTree(_ path: String) {
  try? FileManager.default.removeItem(atPath: path)
}

/// Writes raw bytes without going through the code under test.
func writeBytes(_ bytes: [UInt8], to path: String) {
  let created = FileManager.default.createFile(atPath: path, contents: Data(bytes))
  precondition(created, "cannot create test fixture \(path)")
}

/// Pearson's chi-square statistic of observed counts against expected counts.
func chiSquareStatistic(observed: [Int], expected: [Double]) -> Double {
  zip(observed, expected).reduce(0) { sum, pair in
    let difference = Double(pair.0) - pair.1
    return sum + difference * difference / pair.1
  }
}

/// The 0.999 quantile of the chi-square distribution with `degrees` degrees of freedom by the
/// Wilson–Hilferty cube-root normal approximation (within 0.3% of the exact quantile for
/// 10 or more degrees of freedom). A correct sampler exceeds it with probability 0.001.
func chiSquareQuantile999(degrees: Int) -> Double {
  let z999 = 3.090_232_306_167_813  // standard normal 0.999 quantile
  let k = Double(degrees)
  let c = 2 / (9 * k)
  let root = 1 - c + z999 * c.squareRoot()
  return k * root * root * root
}
