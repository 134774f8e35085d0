import Foundation

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
