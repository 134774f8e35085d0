import Testing

@testable import NCECore

/// `SmallGEMM` against a naive Double product on every row-block and column-block shape
/// (6-row blocks; 32-, 16-, 8-wide and scalar column tails), with leading dimensions wider than
/// the operands whose padding holds NaN, so a read outside the operand poisons the result.
@Suite struct SmallGEMMTests {
  @Test(arguments: [1, 5, 6, 7, 13, 31], [1, 7, 8, 16, 23, 32, 57, 200])
  func matchesTheNaiveProduct(m: Int, n: Int) {
    let k = 11
    let a = BLASTests.Strided(rows: m, cols: k, padding: 3, seed: UInt64(m))
    let b = BLASTests.Strided(rows: k, cols: n, padding: 5, seed: UInt64(n + 100))
    for accumulate in [false, true] {
      var c = BLASTests.Strided(rows: m, cols: n, padding: 2, seed: 9, sentinel: 777)
      let original = c
      a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
          c.storage.withUnsafeMutableBufferPointer { pc in
            SmallGEMM.multiply(
              m: m, n: n, k: k, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
              c: pc.baseAddress!, ldc: c.ld, accumulate: accumulate)
          }
        }
      }
      for i in 0..<m {
        for j in 0..<n {
          var exact = accumulate ? Double(original[i, j]) : 0
          var magnitude = accumulate ? abs(Double(original[i, j])) : 0
          for p in 0..<k {
            exact += Double(a[i, p]) * Double(b[p, j])
            magnitude += abs(Double(a[i, p]) * Double(b[p, j]))
          }
          #expect(abs(Double(c[i, j]) - exact) <= 1e-6 * magnitude + 1e-30, "C[\(i),\(j)] m \(m) n \(n)")
        }
        for j in n..<c.ld { #expect(c[i, j] == 777, "padding of C written") }
      }
    }
  }

  /// `BLAS.transpose` (the recurrent layers' transposed weight copy) on square, tall, wide, one-row,
  /// one-column and empty shapes, the output's other elements untouched.
  @Test(arguments: [(19, 37), (200, 600), (16, 16), (1, 5), (5, 1), (0, 3)])
  func transposeSwapsRowsAndColumns(rows: Int, cols: Int) {
    let src = (0..<(rows * cols)).map { Float($0) + 0.5 }
    var dst = [Float](repeating: -1, count: rows * cols + 1)
    src.withUnsafeBufferPointer { s in
      dst.withUnsafeMutableBufferPointer { d in
        BLAS.transpose(s.baseAddress!, rows: rows, cols: cols, into: d.baseAddress!)
      }
    }
    for i in 0..<rows {
      for j in 0..<cols { #expect(dst[j * rows + i] == src[i * cols + j]) }
    }
    #expect(dst[rows * cols] == -1, "written past the matrix")
  }

}
