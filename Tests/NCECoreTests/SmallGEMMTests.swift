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

  /// `C (+)= A B` by `kernel`, `B` read in place (`a.cols x c.cols`, leading dimension `ldb`).
  static func multiply(
    _ kernel: SmallGEMM.Kernel, _ a: BLASTests.Strided, _ b: [Float], ldb: Int, into c: inout BLASTests.Strided,
    accumulate: Bool
  ) {
    let (m, n, k, lda, ldc) = (a.rows, c.cols, a.cols, a.ld, c.ld)
    a.storage.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          SmallGEMM.multiply(
            kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
            c: pc.baseAddress!, ldc: ldc, accumulate: accumulate)
        }
      }
    }
  }

  func checkAgainstTheNaiveProduct(kernel: SmallGEMM.Kernel, m: Int, n: Int) {
    let k = 11
    let a = BLASTests.Strided(rows: m, cols: k, padding: 3, seed: UInt64(m))
    let b = BLASTests.Strided(rows: k, cols: n, padding: 5, seed: UInt64(n + 100))
    for accumulate in [false, true] {
      var c = BLASTests.Strided(rows: m, cols: n, padding: 2, seed: 9, sentinel: 777)
      let original = c
      Self.multiply(kernel, a, b.storage, ldb: b.ld, into: &c, accumulate: accumulate)
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
        Self.multiply(kernel, a, b.storage, ldb: b.ld, into: &c, accumulate: accumulate)
        return c.storage.map(\.bitPattern)
      }
      #expect(results[0] == results[1], "m \(m) n \(n) accumulate \(accumulate)")
    }
  }

  /// `pack` then `multiply(packed:)` against the product read in place, bit for bit, for both
  /// kernels, full and narrower last panels (8-wide and scalar tails), from `B` and from `Sᵀ`.
  @Test(arguments: [1, 5, 10, 13], [3, 16, 24, 40, 200, 203])
  func packedProductsEqualTheInPlaceOnes(m: Int, n: Int) {
    let k = 37
    let a = BLASTests.Strided(rows: m, cols: k, padding: 2, seed: UInt64(m))
    let b = BLASTests.Strided(rows: k, cols: n, padding: 3, seed: UInt64(n))
    let s = BLASTests.Strided(rows: n, cols: k, padding: 1, seed: UInt64(n + 7))  // B = Sᵀ
    var sTransposed = [Float](repeating: 0, count: k * n)
    for p in 0..<k { for j in 0..<n { sTransposed[p * n + j] = s[j, p] } }
    for kernel in SmallGEMM.Kernel.allCases {
      for (source, ld, transposed, plain, plainLd) in [
        (b.storage, b.ld, false, b.storage, b.ld), (s.storage, s.ld, true, sTransposed, n),
      ] {
        var packed = [Float](repeating: .nan, count: k * n + 1)
        source.withUnsafeBufferPointer { src in
          packed.withUnsafeMutableBufferPointer { out in
            SmallGEMM.pack(
              kernel: kernel, src.baseAddress!, k: k, n: n, ldb: ld, transposed: transposed, into: out.baseAddress!)
          }
        }
        #expect(packed[k * n].isNaN, "pack wrote past k·n floats")
        #expect(!packed[0..<(k * n)].contains { $0.isNaN }, "pack left holes")
        for accumulate in [false, true] {
          var inPlace = BLASTests.Strided(rows: m, cols: n, padding: 1, seed: 4, sentinel: 5)
          var fromPacked = inPlace
          Self.multiply(kernel, a, plain, ldb: plainLd, into: &inPlace, accumulate: accumulate)
          a.storage.withUnsafeBufferPointer { pa in
            packed.withUnsafeBufferPointer { pb in
              fromPacked.storage.withUnsafeMutableBufferPointer { pc in
                SmallGEMM.multiply(
                  kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: a.ld, packed: pb.baseAddress!,
                  c: pc.baseAddress!, ldc: fromPacked.ld, accumulate: accumulate)
              }
            }
          }
          #expect(
            inPlace.storage.map(\.bitPattern) == fromPacked.storage.map(\.bitPattern),
            "\(kernel) m \(m) n \(n) transposed \(transposed) accumulate \(accumulate)")
        }
      }
    }
  }

  /// `RecurrentOperand` packs only for short-row batches of several steps; otherwise the
  /// forward weight is read in place (buffer untouched) and the backward one is a row-major
  /// transpose. Its products equal `BLAS.recurrentGEMM` on the weight read in place.
  @Test func recurrentOperandPacksOnlyWhereSmallGEMMReadsIt() {
    var generator = SeededGenerator(seed: 3)
    let (k, n) = (9, 21)
    let weight = Matrix(rows: k, cols: n, storage: (0..<(k * n)).map { _ in generator.nextUniform() - 0.5 })
    let a = Matrix(rows: 4, cols: k, storage: (0..<(4 * k)).map { _ in generator.nextUniform() - 0.5 })
    let aT = Matrix(rows: 4, cols: n, storage: (0..<(4 * n)).map { _ in generator.nextUniform() - 0.5 })
    var untouched = Matrix(rows: 1, cols: 1, repeating: 42)
    #expect(!RecurrentOperand.pack(weight, lanes: SmallGEMM.rowLimit, steps: 10, into: &untouched))
    #expect(!RecurrentOperand.pack(weight, lanes: 4, steps: 3, into: &untouched))
    #expect(untouched == Matrix(rows: 1, cols: 1, repeating: 42))
    var transposed = Matrix(rows: 0, cols: 0)
    #expect(!RecurrentOperand.transpose(weight, lanes: 4, steps: 3, into: &transposed))
    for i in 0..<k { for j in 0..<n { #expect(transposed.storage[j * k + i] == weight.storage[i * n + j]) } }

    func product(_ operand: Matrix, packed: Bool, cols: Int, depth: Int, _ x: Matrix) -> [UInt32] {
      var c = [Float](repeating: 0, count: x.rows * cols)
      operand.withUnsafeBufferPointer { w in
        x.withUnsafeBufferPointer { px in
          c.withUnsafeMutableBufferPointer { pc in
            RecurrentOperand(base: w.baseAddress!, cols: cols, isPacked: packed).multiply(
              m: x.rows, k: depth, a: px.baseAddress!, lda: depth, c: pc.baseAddress!, ldc: cols, accumulate: false)
          }
        }
      }
      return c.map(\.bitPattern)
    }
    var packedWeight = Matrix(rows: 0, cols: 0)
    #expect(RecurrentOperand.pack(weight, lanes: 4, steps: 4, into: &packedWeight))
    #expect(
      product(packedWeight, packed: true, cols: n, depth: k, a) == product(weight, packed: false, cols: n, depth: k, a))
    var packedTranspose = Matrix(rows: 0, cols: 0)
    #expect(RecurrentOperand.transpose(weight, lanes: 4, steps: 4, into: &packedTranspose))
    #expect(
      product(packedTranspose, packed: true, cols: k, depth: n, aT)
        == product(transposed, packed: false, cols: k, depth: n, aT))
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
