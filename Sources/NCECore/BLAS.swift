import CBLAS

/// The one place that calls OpenBLAS. Shapes follow BLAS: `C = alpha op(A) op(B) + beta C`,
/// row-major, `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`.
public enum BLAS {
  /// Single-precision GEMM on raw row-major storage with explicit leading dimensions.
  @inlinable
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      if beta == 0 {
        for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) }
      } else if beta != 1 {
        for r in 0..<m { for j in 0..<n { c[r * ldc + j] *= beta } }
      }
      return
    }
    KernelProfile.measure(.openBLAS) {
      sgemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
        c: c,
        ldc: ldc)
    }
  }

  /// `cblas_sgemm` itself (`k > 0`), not profiled (callers are).
  @usableFromInline
  static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// `C = alpha op(A) op(B) + beta C` on whole matrices; shapes are checked.
  public static func gemm(
    _ a: Matrix, transA: Bool = false, _ b: Matrix, transB: Bool = false,
    into c: inout Matrix, alpha: Float = 1, beta: Float = 0
  ) {
    let m = transA ? a.cols : a.rows
    let k = transA ? a.rows : a.cols
    let kb = transB ? b.cols : b.rows
    let n = transB ? b.rows : b.cols
    precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
    if c.rows != m || c.cols != n {
      precondition(beta == 0, "gemm: output shape \(c.rows)x\(c.cols), expected \(m)x\(n)")
      c.resize(rows: m, cols: n, zero: false)
    }
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          gemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
            a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
            beta: beta, c: pc.baseAddress!, ldc: n)
        }
      }
    }
  }

  /// `y += alpha x`.
  @inlinable
  public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
  }

  /// Dot product of two vectors.
  @inlinable
  public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
    cblas_sdot(Int32(count), x, 1, y, 1)
  }

  /// `dst = srcᵀ` through `cblas_somatcopy`: `src` is `rows x cols` row-major, `dst` becomes
  /// `cols x rows` (the recurrent layers' backward pass multiplies by a transposed copy of the
  /// recurrent weight). 2.4-2.8x faster than the scalar 8x8-tile loop it replaced (bench-core).
  public static func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>)
  {
    if rows == 0 || cols == 0 { return }
    cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, src, Int32(cols), dst, Int32(rows))
  }

  /// Number of threads OpenBLAS uses for each call.
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }

  /// The kernel family OpenBLAS selected (e.g. "Haswell", "SkylakeX").
  public static var coreName: String { String(cString: openblas_get_corename()) }
}

extension BLAS {
  /// `C (+)= A B` (no transposes) for one recurrent time step: `SmallGEMM` below
  /// `SmallGEMM.rowLimit` rows, where OpenBLAS's packing of `B` dominates; OpenBLAS above.
  @inline(__always)
  public static func recurrentGEMM(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    if isEmptyProduct(m: m, n: n, k: k, c: c, ldc: ldc, accumulate: accumulate) { return }
    KernelProfile.measure(.stepGEMM) {
      if m < SmallGEMM.rowLimit {
        SmallGEMM.multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
      } else {
        sgemm(
          transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
          beta: accumulate ? 1 : 0, c: c, ldc: ldc)
      }
    }
  }

  /// `recurrentGEMM` with `B` laid out by `SmallGEMM.pack`: only for layers whose steps all have
  /// fewer than `SmallGEMM.rowLimit` rows (`SmallGEMM.packsWeights`).
  @inline(__always)
  public static func recurrentGEMM(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    precondition(m < SmallGEMM.rowLimit, "a packed recurrent product needs fewer than SmallGEMM.rowLimit rows")
    if isEmptyProduct(m: m, n: n, k: k, c: c, ldc: ldc, accumulate: accumulate) { return }
    KernelProfile.measure(.stepGEMM) {
      SmallGEMM.multiply(m: m, n: n, k: k, a: a, lda: lda, packed: b, c: c, ldc: ldc, accumulate: accumulate)
    }
  }

  /// Whether `C (+)= A B` has nothing to multiply; then `C` is already done (zeroed if it is
  /// overwritten with `k == 0`).
  @inline(__always)
  static func isEmptyProduct(
    m: Int, n: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) -> Bool {
    if m == 0 || n == 0 { return true }
    guard k == 0 else { return false }
    if !accumulate { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
    return true
  }
}
