import Testing

@testable import NCECore

/// Both `SmallGEMM` kernels against a naive Double product on every row-block and column-block
/// shape (blocks of 1-6 rows; 32- and 16-wide blocks, 16-, 8-wide and scalar column tails), with
/// leading dimensions wider than the operands whose padding holds NaN, so a read outside the
/// operand poisons the result.
@Suite struct SmallGEMMTests {
  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 10, 13, 20, 31], [1, 7, 8, 16, 23, 32, 40, 57, 200])
  func matchesTheNaiveProduct(m: Int, n: Int) {
    for kernel in SmallGEMM.Kernel.allCases { checkAgainstTheNaiveProduct(kernel: kernel, m: m, n: n) }
  }

  func checkAgainstTheNaiveProduct(kernel: SmallGEMM.Kernel, m: Int, n: Int) {
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
              kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
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
          #expect(abs(Double(c[i, j]) - exact) <= 1e-6 * magnitude + 1e-30, "C[\(i),\(j)] m \(m) n \(n) \(kernel)")
        }
        for j in n..<c.ld { #expect(c[i, j] == 777, "padding of C written") }
      }
    }
  }

  /// Every element is the same chain of fused multiply-adds in both kernels, whatever the
  /// blocking, so the timed choice of `SmallGEMM.kernel` can never change a result.
  @Test(arguments: [1, 4, 5, 10, 13, 20, 31], [8, 24, 48, 200, 600, 803])
  func kernelsAgreeBitForBit(m: Int, n: Int) {
    let k = 200
    let a = BLASTests.Strided(rows: m, cols: k, padding: 1, seed: UInt64(7 * m))
    let b = BLASTests.Strided(rows: k, cols: n, padding: 3, seed: UInt64(n))
    for accumulate in [false, true] {
      let results = SmallGEMM.Kernel.allCases.map { kernel in
        var c = BLASTests.Strided(rows: m, cols: n, padding: 0, seed: 5, sentinel: 0)
        a.storage.withUnsafeBufferPointer { pa in
          b.storage.withUnsafeBufferPointer { pb in
            c.storage.withUnsafeMutableBufferPointer { pc in
              SmallGEMM.multiply(
                kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
                c: pc.baseAddress!, ldc: c.ld, accumulate: accumulate)
            }
          }
        }
        return c.storage.map(\.bitPattern)
      }
      #expect(results[0] == results[1], "m \(m) n \(n) accumulate \(accumulate)")
    }
  }

  /// Blocks of at most 6 rows, spread evenly: the counts sum to `m` and differ by at most one.
  @Test func rowBlocksAreEven() {
    for m in 1...40 {
      var counts: [Int] = []
      var left = m
      while left > 0 {
        let rows = SmallGEMM.blockRows(left)
        counts.append(rows)
        left -= rows
      }
      #expect(counts.reduce(0, +) == m)
      #expect(counts.allSatisfy { (1...6).contains($0) }, "m \(m): \(counts)")
      #expect(counts.count == (m + 5) / 6, "m \(m): \(counts)")
      #expect(counts.max()! - counts.min()! <= 1, "m \(m): \(counts)")
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
