/// `C (+)= A · B` for a few rows of `A` (one recurrent time step of one worker's lanes), all
/// row-major, reading `B` in place.
///
/// OpenBLAS packs `B` on every call; with 10 rows and a `[200 x 800]` `B` that packing costs
/// as much as the arithmetic (55 GFLOP/s against 95-110 here on the reference machine, bench-core
/// prints both). Register blocking: 6 rows x 32 columns of `C` in 12 accumulators, `A` broadcast
/// one element at a time, `B` loaded 32 columns per row of `k`.
public enum SmallGEMM {
  /// Below this many rows `BLAS.recurrentGEMM` uses this kernel.
  public static let rowLimit = 32

  typealias Wide = SIMD16<Float>
  typealias Narrow = SIMD8<Float>

  /// `C = A B` (`accumulate == false`) or `C += A B`; `A` is `m x k`, `B` is `k x n`.
  public static func multiply(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    var row = 0
    while row < m {
      let rows = Swift.min(6, m - row)
      let aRows = a + row * lda
      let cRows = c + row * ldc
      var j = 0
      while j + 32 <= n {
        block32(rows, k, aRows, lda, b + j, ldb, cRows + j, ldc, accumulate)
        j += 32
      }
      if j + 16 <= n {
        blockOfOneVector(Wide.self, rows, k, aRows, lda, b + j, ldb, cRows + j, ldc, accumulate)
        j += 16
      }
      if j + 8 <= n {
        blockOfOneVector(Narrow.self, rows, k, aRows, lda, b + j, ldb, cRows + j, ldc, accumulate)
        j += 8
      }
      if j < n { scalarBlock(rows, n - j, k, aRows, lda, b + j, ldb, cRows + j, ldc, accumulate) }
      row += rows
    }
  }

  @inline(__always)
  static func load<V: SIMD>(_ p: UnsafePointer<Float>, as _: V.Type) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }

  @inline(__always)
  static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, accumulate: Bool) where V.Scalar == Float {
    let raw = UnsafeMutableRawPointer(p)
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: V.self) + v : v, as: V.self)
  }

  /// Up to 6 rows x 32 columns.
  @inline(__always)
  static func block32(
    _ rows: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) {
    var c00 = Wide()
    var c01 = Wide()
    var c10 = Wide()
    var c11 = Wide()
    var c20 = Wide()
    var c21 = Wide()
    var c30 = Wide()
    var c31 = Wide()
    var c40 = Wide()
    var c41 = Wide()
    var c50 = Wide()
    var c51 = Wide()
    for p in 0..<k {
      let b0 = load(b + p * ldb, as: Wide.self)
      let b1 = load(b + p * ldb + 16, as: Wide.self)
      var x = Wide(repeating: a[p])
      c00.addProduct(x, b0)
      c01.addProduct(x, b1)
      if rows > 1 {
        x = Wide(repeating: a[lda + p])
        c10.addProduct(x, b0)
        c11.addProduct(x, b1)
      }
      if rows > 2 {
        x = Wide(repeating: a[2 * lda + p])
        c20.addProduct(x, b0)
        c21.addProduct(x, b1)
      }
      if rows > 3 {
        x = Wide(repeating: a[3 * lda + p])
        c30.addProduct(x, b0)
        c31.addProduct(x, b1)
      }
      if rows > 4 {
        x = Wide(repeating: a[4 * lda + p])
        c40.addProduct(x, b0)
        c41.addProduct(x, b1)
      }
      if rows > 5 {
        x = Wide(repeating: a[5 * lda + p])
        c50.addProduct(x, b0)
        c51.addProduct(x, b1)
      }
    }
    store(c00, c, accumulate: accumulate)
    store(c01, c + 16, accumulate: accumulate)
    if rows > 1 {
      store(c10, c + ldc, accumulate: accumulate)
      store(c11, c + ldc + 16, accumulate: accumulate)
    }
    if rows > 2 {
      store(c20, c + 2 * ldc, accumulate: accumulate)
      store(c21, c + 2 * ldc + 16, accumulate: accumulate)
    }
    if rows > 3 {
      store(c30, c + 3 * ldc, accumulate: accumulate)
      store(c31, c + 3 * ldc + 16, accumulate: accumulate)
    }
    if rows > 4 {
      store(c40, c + 4 * ldc, accumulate: accumulate)
      store(c41, c + 4 * ldc + 16, accumulate: accumulate)
    }
    if rows > 5 {
      store(c50, c + 5 * ldc, accumulate: accumulate)
      store(c51, c + 5 * ldc + 16, accumulate: accumulate)
    }
  }

  /// Up to 6 rows x one vector of columns (`V`: 16 or 8 lanes), for the column tails.
  @inline(__always)
  static func blockOfOneVector<V: SIMD>(
    _: V.Type, _ rows: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) where V.Scalar == Float {
    var acc = (V(), V(), V(), V(), V(), V())
    for p in 0..<k {
      let b0 = load(b + p * ldb, as: V.self)
      acc.0.addProduct(V(repeating: a[p]), b0)
      if rows > 1 { acc.1.addProduct(V(repeating: a[lda + p]), b0) }
      if rows > 2 { acc.2.addProduct(V(repeating: a[2 * lda + p]), b0) }
      if rows > 3 { acc.3.addProduct(V(repeating: a[3 * lda + p]), b0) }
      if rows > 4 { acc.4.addProduct(V(repeating: a[4 * lda + p]), b0) }
      if rows > 5 { acc.5.addProduct(V(repeating: a[5 * lda + p]), b0) }
    }
    store(acc.0, c, accumulate: accumulate)
    if rows > 1 { store(acc.1, c + ldc, accumulate: accumulate) }
    if rows > 2 { store(acc.2, c + 2 * ldc, accumulate: accumulate) }
    if rows > 3 { store(acc.3, c + 3 * ldc, accumulate: accumulate) }
    if rows > 4 { store(acc.4, c + 4 * ldc, accumulate: accumulate) }
    if rows > 5 { store(acc.5, c + 5 * ldc, accumulate: accumulate) }
  }

  /// The last `width < 8` columns.
  static func scalarBlock(
    _ rows: Int, _ width: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) {
    for r in 0..<rows {
      for j in 0..<width {
        var sum: Float = 0
        for p in 0..<k { sum += a[r * lda + p] * b[p * ldb + j] }
        c[r * ldc + j] = accumulate ? c[r * ldc + j] + sum : sum
      }
    }
  }

}
