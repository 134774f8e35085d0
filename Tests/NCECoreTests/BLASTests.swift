import Testing

@testable import NCECore

/// `BLAS.gemm` against a naive Double product.
///
/// Designed bound: |C - C_ref| ≤ 1e-6 · (|alpha| Σ_l |a_il||b_lj| + |beta||c_ij|): a Float
/// dot product of length k has error ≤ k · 2^-24 times that sum; for k ≤ 16 that is ≤ 1e-6.
@Suite struct BLASTests {
  /// A row-major `rows x cols` block inside storage with leading dimension `ld >= cols`;
  /// padding columns hold a sentinel that must never reach the result.
  struct Strided {
    var rows: Int
    var cols: Int
    var ld: Int
    var storage: [Float]

    init(rows: Int, cols: Int, padding: Int, seed: UInt64, sentinel: Float = .nan) {
      self.rows = rows
      self.cols = cols
      self.ld = cols + padding
      var generator = SeededGenerator(seed: seed)
      storage = [Float](repeating: sentinel, count: rows * ld)
      for r in 0..<rows {
        for c in 0..<cols { storage[r * ld + c] = generator.nextUniform() * 2 - 1 }
      }
    }

    subscript(r: Int, c: Int) -> Float { storage[r * ld + c] }
  }

  @Test(arguments: [false, true], [false, true])
  func allTransposeCasesWithLeadingDimensions(transA: Bool, transB: Bool) {
    let (m, n, k) = (5, 7, 9)
    let a = Strided(rows: transA ? k : m, cols: transA ? m : k, padding: 3, seed: 1)
    let b = Strided(rows: transB ? n : k, cols: transB ? k : n, padding: 2, seed: 2)
    var c = Strided(rows: m, cols: n, padding: 4, seed: 3, sentinel: 777)
    let original = c
    let (alpha, beta): (Float, Float) = (1.5, -0.5)
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          BLAS.gemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
            a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
            beta: beta, c: pc.baseAddress!, ldc: c.ld)
        }
      }
    }
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        var magnitude = 0.0
        for l in 0..<k {
          let x = Double(transA ? a[l, i] : a[i, l])
          let y = Double(transB ? b[j, l] : b[l, j])
          sum += x * y
          magnitude += abs(x * y)
        }
        let reference = Double(alpha) * sum + Double(beta) * Double(original[i, j])
        let bound = 1e-6 * (Double(abs(alpha)) * magnitude + Double(abs(beta)) * Double(abs(original[i, j])))
        #expect(abs(Double(c[i, j]) - reference) <= bound, "C[\(i),\(j)]")
      }
      for j in n..<c.ld { #expect(c.storage[i * c.ld + j] == 777, "padding of row \(i) was written") }
    }
  }

  @Test func emptyInnerDimensionScalesC() {
    var c: [Float] = [1, 2, 3, 4]
    let dummy: [Float] = [0]
    dummy.withUnsafeBufferPointer { p in
      c.withUnsafeMutableBufferPointer { pc in
        BLAS.gemm(
          transA: false, transB: false, m: 2, n: 2, k: 0, a: p.baseAddress!, lda: 1,
          b: p.baseAddress!, ldb: 2, beta: 0.5, c: pc.baseAddress!, ldc: 2)
      }
    }
    #expect(c == [0.5, 1, 1.5, 2])
  }

  @Test(arguments: [false, true], [false, true])
  func matrixOverloadChecksShapes(transA: Bool, transB: Bool) {
    // A = [[1,2,3],[4,5,6]] (2x3), B = [[1,0],[0,1],[1,1]] (3x2): AB = [[4,5],[10,11]].
    let aPlain = Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6])
    let bPlain = Matrix(rows: 3, cols: 2, storage: [1, 0, 0, 1, 1, 1])
    let a = transA ? Matrix(rows: 3, cols: 2, storage: [1, 4, 2, 5, 3, 6]) : aPlain
    let b = transB ? Matrix(rows: 2, cols: 3, storage: [1, 0, 1, 0, 1, 1]) : bPlain
    var c = Matrix(rows: 0, cols: 0)
    BLAS.gemm(a, transA: transA, b, transB: transB, into: &c)
    #expect(c == Matrix(rows: 2, cols: 2, storage: [4, 5, 10, 11]))
    BLAS.gemm(a, transA: transA, b, transB: transB, into: &c, alpha: 2, beta: 1)
    #expect(c == Matrix(rows: 2, cols: 2, storage: [12, 15, 30, 33]))
  }

  @Test func dotAndAxpy() {
    let x: [Float] = [1, 2, 3]
    var y: [Float] = [4, 5, 6]
    #expect(x.withUnsafeBufferPointer { px in y.withUnsafeBufferPointer { BLAS.dot(count: 3, px.baseAddress!, $0.baseAddress!) } } == 32)
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { BLAS.axpy(count: 3, alpha: 2, x: px.baseAddress!, y: $0.baseAddress!) }
    }
    #expect(y == [6, 9, 12])
  }

  @Test func coreNameIsReported() {
    #expect(!BLAS.coreName.isEmpty)
  }
}
