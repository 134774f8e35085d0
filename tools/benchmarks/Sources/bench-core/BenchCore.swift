import NCECore

/// Headline numbers of the numeric core: BLAS throughput, noise sampling, vectorized exp.
/// Each number is the best of 5 rounds of about 0.06 s; the whole run takes a few seconds.
@main
enum BenchCore {
  static func main() {
    printTable(
      title: "bench-core: NCECore kernels (OpenBLAS core \(BLAS.coreName))",
      gemmRows() + samplingRows() + expRows())
  }
}
