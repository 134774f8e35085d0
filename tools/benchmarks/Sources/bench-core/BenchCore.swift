import NCECore

/// Headline numbers of the numeric core: BLAS throughput, noise sampling, vectorized exp.
/// Each measurement runs for about 0.25 s of wall clock; the whole run takes a few seconds.
@main
enum BenchCore {
  static func main() {
    printTable(title: "bench-core: NCECore kernels (OpenBLAS core \(BLAS.coreName))", gemmRows() + samplingRows() + expRows())
  }
}
