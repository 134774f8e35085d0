import Dispatch

/// `C (+)= A · B` for a few rows of `A` (one recurrent time step of one worker's lanes), all
/// row-major, reading `B` in place.
///
/// OpenBLAS packs `B` on every call; with 10 rows and a `[200 x 800]` `B` that packing costs
/// as much as the arithmetic (55 GFLOP/s against 95-110 here on an AVX-512 machine, bench-core
/// prints both). Register blocking: 6 rows x 2 vectors of `C` in 12 accumulators, `A` broadcast
/// one element at a time, `B` loaded 2 vectors per row of `k`. Which vector fits the registers
/// depends on the CPU (12 16-lane accumulators spill on AVX2's 16 registers), so `kernel` is
/// chosen by timing both once per process. Every element of `C` is the same chain of fused
/// multiply-adds over `k` in both, so the choice never changes a result.
public enum SmallGEMM {
  /// Below this many rows `BLAS.recurrentGEMM` uses this kernel.
  public static let rowLimit = 32

  typealias Wide = SIMD16<Float>
  typealias Narrow = SIMD8<Float>

  /// The register block: 6 rows x 32 columns in 16-lane vectors (AVX-512's 32 registers) or
  /// 6 rows x 16 columns in 8-lane vectors (AVX2's 16).
  public enum Kernel: String, CaseIterable, Sendable {
    case lanes16
    case lanes8
  }

  /// The faster kernel on this machine, timed on the first use.
  public static let kernel: Kernel = fastestKernel()

  /// `C = A B` (`accumulate == false`) or `C += A B`; `A` is `m x k`, `B` is `k x n`.
  @inline(__always)
  public static func multiply(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    multiply(kernel: kernel, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
  }

  /// `multiply` with the given kernel (bit-identical results; tests and bench-core use both).
  public static func multiply(
    kernel: Kernel, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    switch kernel {
    case .lanes16: multiply(Wide.self, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
    case .lanes8: multiply(Narrow.self, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
    }
  }

  /// Whether a recurrent layer packs its weight for a batch of `lanes` rows and `steps` steps:
  /// only this kernel reads packed weights (OpenBLAS takes `rowLimit` rows and more), and packing
  /// costs about one step's read of the weight, which a few steps repay.
  public static func packsWeights(lanes: Int, steps: Int) -> Bool { lanes < rowLimit && steps >= 4 }

  /// Columns per panel of a packed `B`: the kernel's register block width.
  public static func panelWidth(_ kernel: Kernel) -> Int { kernel == .lanes16 ? 32 : 16 }

  /// Copies `B` (`k x n`, row-major with leading dimension `ldb`; with `transposed`, `B` is
  /// `Sᵀ` for the row-major `n x k` matrix `S` at `b`, leading dimension `ldb`) into the layout
  /// `multiply(packed:)` reads: column panels of `panelWidth(kernel)`, each `k` rows of its
  /// width stored contiguously, the last panel narrower; `k·n` floats in all.
  ///
  /// Read in place, a step walks `B` in strides of a whole row (3,200 bytes at `n` = 800) and
  /// streams it from L3 at 66-73 GFLOP/s on an AVX2 machine; packed, the walk is sequential and
  /// the same product runs at 92-98 (bench-core). A layer packs its recurrent weight once per
  /// batch and reads it at every step.
  public static func pack(
    kernel: Kernel = kernel, _ b: UnsafePointer<Float>, k: Int, n: Int, ldb: Int, transposed: Bool,
    into packed: UnsafeMutablePointer<Float>
  ) {
    let panel = panelWidth(kernel)
    var j = 0
    while j < n {
      let width = Swift.min(panel, n - j)
      let out = packed + j * k
      if transposed {
        for p in 0..<k {
          for q in 0..<width { out[p * width + q] = b[(j + q) * ldb + p] }
        }
      } else {
        for p in 0..<k { (out + p * width).update(from: b + p * ldb + j, count: width) }
      }
      j += width
    }
  }

  /// `C (+)= A B` with `B` laid out by `pack` for the same kernel. Every element is the same
  /// chain of fused multiply-adds as in `multiply(b:ldb:)`, so the results are bit-identical.
  public static func multiply(
    kernel: Kernel = kernel, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
    packed b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    let panel = panelWidth(kernel)
    var j = 0
    while j < n {
      let width = Swift.min(panel, n - j)
      multiply(
        kernel: kernel, m: m, n: width, k: k, a: a, lda: lda, b: b + j * k, ldb: width, c: c + j, ldc: ldc,
        accumulate: accumulate)
      j += width
    }
  }

  /// Column blocks outside, row blocks inside: a block's panel of `B` (`k` rows of 2 vectors)
  /// stays in L1 for all row blocks, where `B` itself (640 KB for `[200 x 800]`) does not fit L2.
  @inline(__always)
  static func multiply<V: SIMD>(
    _: V.Type, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
    _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) where V.Scalar == Float {
    let width = 2 * V.scalarCount
    var j = 0
    while j + width <= n {
      var row = 0
      while row < m {
        let rows = blockRows(m - row)
        let (aRows, bBlock, cRows) = (a + row * lda, b + j, c + row * ldc + j)
        // A row count fixed by type gives each specialization a loop without per-row tests.
        switch rows {
        case 6: block(V.self, Rows6.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        case 5: block(V.self, Rows5.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        case 4: block(V.self, Rows4.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        case 3: block(V.self, Rows3.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        case 2: block(V.self, Rows2.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        default: block(V.self, Rows1.self, k, aRows, lda, bBlock, ldb, cRows, ldc, accumulate)
        }
        row += rows
      }
      j += width
    }
    var row = 0
    while row < m {
      let rows = blockRows(m - row)
      let aRows = a + row * lda
      let cRows = c + row * ldc
      var tail = j
      if tail + 16 <= n {
        blockOfOneVector(Wide.self, rows, k, aRows, lda, b + tail, ldb, cRows + tail, ldc, accumulate)
        tail += 16
      }
      if tail + 8 <= n {
        blockOfOneVector(Narrow.self, rows, k, aRows, lda, b + tail, ldb, cRows + tail, ldc, accumulate)
        tail += 8
      }
      if tail < n { scalarBlock(rows, n - tail, k, aRows, lda, b + tail, ldb, cRows + tail, ldc, accumulate) }
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

  /// Rows of the next block when `left` rows remain: at most 6, spread evenly over the blocks
  /// still needed (10 rows as 5 + 5, not 6 + 4: a short block uses fewer of its registers).
  @inline(__always)
  static func blockRows(_ left: Int) -> Int {
    let blocks = (left + 5) / 6
    return (left + blocks - 1) / blocks
  }

  /// A block's row count as a type, so that `block` is specialized for each.
  protocol BlockRows { static var count: Int { get } }
  enum Rows1: BlockRows { static var count: Int { 1 } }
  enum Rows2: BlockRows { static var count: Int { 2 } }
  enum Rows3: BlockRows { static var count: Int { 3 } }
  enum Rows4: BlockRows { static var count: Int { 4 } }
  enum Rows5: BlockRows { static var count: Int { 5 } }
  enum Rows6: BlockRows { static var count: Int { 6 } }

  /// Up to 6 rows x 2 vectors of columns.
  @inline(__always)
  static func block<V: SIMD, R: BlockRows>(
    _: V.Type, _: R.Type, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
  ) where V.Scalar == Float {
    let half = V.scalarCount
    let rows = R.count
    var c00 = V()
    var c01 = V()
    var c10 = V()
    var c11 = V()
    var c20 = V()
    var c21 = V()
    var c30 = V()
    var c31 = V()
    var c40 = V()
    var c41 = V()
    var c50 = V()
    var c51 = V()
    // Row pointers and a running `B` row: no index arithmetic (and no overflow checks) per `p`.
    let (a0, a1, a2, a3, a4, a5) = (a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, a + 5 * lda)
    var bRow = b
    for p in 0..<k {
      let b0 = load(bRow, as: V.self)
      let b1 = load(bRow + half, as: V.self)
      bRow += ldb
      var x = V(repeating: a0[p])
      c00.addProduct(x, b0)
      c01.addProduct(x, b1)
      if rows > 1 {
        x = V(repeating: a1[p])
        c10.addProduct(x, b0)
        c11.addProduct(x, b1)
      }
      if rows > 2 {
        x = V(repeating: a2[p])
        c20.addProduct(x, b0)
        c21.addProduct(x, b1)
      }
      if rows > 3 {
        x = V(repeating: a3[p])
        c30.addProduct(x, b0)
        c31.addProduct(x, b1)
      }
      if rows > 4 {
        x = V(repeating: a4[p])
        c40.addProduct(x, b0)
        c41.addProduct(x, b1)
      }
      if rows > 5 {
        x = V(repeating: a5[p])
        c50.addProduct(x, b0)
        c51.addProduct(x, b1)
      }
    }
    store(c00, c, accumulate: accumulate)
    store(c01, c + half, accumulate: accumulate)
    if rows > 1 {
      store(c10, c + ldc, accumulate: accumulate)
      store(c11, c + ldc + half, accumulate: accumulate)
    }
    if rows > 2 {
      store(c20, c + 2 * ldc, accumulate: accumulate)
      store(c21, c + 2 * ldc + half, accumulate: accumulate)
    }
    if rows > 3 {
      store(c30, c + 3 * ldc, accumulate: accumulate)
      store(c31, c + 3 * ldc + half, accumulate: accumulate)
    }
    if rows > 4 {
      store(c40, c + 4 * ldc, accumulate: accumulate)
      store(c41, c + 4 * ldc + half, accumulate: accumulate)
    }
    if rows > 5 {
      store(c50, c + 5 * ldc, accumulate: accumulate)
      store(c51, c + 5 * ldc + half, accumulate: accumulate)
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

  /// Times both kernels on one block of rows over an L1-resident `B` (`[6 x 64] x [64 x 64]`:
  /// what decides between them is whether the accumulators fit the registers), alternating, and
  /// keeps the faster least time. Small on purpose: about 0.1 ms in a release build, and tens of
  /// milliseconds unoptimized (a debug tool pays it at every start; the LSTM step shape took
  /// 4.8 s there). Least times over many calls resist a busy machine; a wrong pick costs speed only.
  public static func fastestKernel() -> Kernel {
    let (m, k, n) = (6, 64, 64)
    var seed: UInt32 = 1
    func next() -> Float {
      seed = seed &* 1_664_525 &+ 1_013_904_223
      return Float(seed >> 8) / Float(1 << 24) - 0.5
    }
    let a = (0..<(m * k)).map { _ in next() }
    let b = (0..<(k * n)).map { _ in next() }
    var c = [Float](repeating: 0, count: m * n)
    var least = [Kernel: UInt64]()
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          for _ in 0..<8 {
            for kernel in Kernel.allCases {
              let start = DispatchTime.now().uptimeNanoseconds
              for _ in 0..<2 {
                multiply(
                  kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                  c: pc.baseAddress!, ldc: n, accumulate: false)
              }
              let time = DispatchTime.now().uptimeNanoseconds - start
              least[kernel] = Swift.min(least[kernel] ?? .max, time)
            }
          }
        }
      }
    }
    return Kernel.allCases.min { least[$0]! < least[$1]! }!
  }
}
