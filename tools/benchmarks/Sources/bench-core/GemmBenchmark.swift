import Dispatch
import NCECore

/// sgemm throughput `C[m x n] = A[m x k] B[k x n]` in GFLOP/s (2mnk flops per call).
func gemmRows() -> [ResultRow] {
  let shapes = [(20, 400, 800), (700, 200, 10_000), (96, 300, 1200)]
  let savedThreads = BLAS.threads
  defer { BLAS.threads = savedThreads }
  var rows: [ResultRow] = []
  var generator = SeededGenerator(seed: 1)
  for (m, k, n) in shapes {
    let a = Matrix(
      rows: m, cols: k, storage: (0..<(m * k)).map { _ in generator.nextUniform() - 0.5 })
    let b = Matrix(
      rows: k, cols: n, storage: (0..<(k * n)).map { _ in generator.nextUniform() - 0.5 })
    var c = Matrix(rows: m, cols: n)
    for threads in [1, 2] {
      BLAS.threads = threads
      let seconds = secondsPerCall { BLAS.gemm(a, b, into: &c) }
      let gflops = 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9
      rows.append(
        ResultRow(
          benchmark: "sgemm [\(m)x\(k)]x[\(k)x\(n)]",
          setting: "\(threads) thread\(threads == 1 ? "" : "s")",
          result: "\(formatted(gflops, decimals: 1)) GFLOP/s"))
    }
  }
  // One worker's recurrent step: OpenBLAS against the small-row kernels reading B in place, the
  // chosen kernel reading B packed (as the recurrent layers do), and the start-up cost of
  // timing the kernels.
  let choiceStart = DispatchTime.now().uptimeNanoseconds
  let chosen = SmallGEMM.fastestKernel()
  let choiceMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - choiceStart) / 1e6
  for (m, k, n) in [(10, 200, 800), (20, 200, 800), (10, 800, 200), (10, 200, 600)] {
    let a = Matrix(rows: m, cols: k, storage: (0..<(m * k)).map { _ in generator.nextUniform() - 0.5 })
    let b = Matrix(rows: k, cols: n, storage: (0..<(k * n)).map { _ in generator.nextUniform() - 0.5 })
    var c = Matrix(rows: m, cols: n)
    BLAS.threads = 1
    let flops = 2 * Double(m) * Double(n) * Double(k)
    let blas = secondsPerCall { BLAS.gemm(a, b, into: &c) }
    let small = SmallGEMM.Kernel.allCases.map { kernel in
      secondsPerCall {
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              SmallGEMM.multiply(
                kernel: kernel, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                c: pc.baseAddress!, ldc: n, accumulate: false)
            }
          }
        }
      }
    }
    var packed = [Float](repeating: 0, count: k * n)
    b.withUnsafeBufferPointer { pb in
      packed.withUnsafeMutableBufferPointer { out in
        SmallGEMM.pack(kernel: chosen, pb.baseAddress!, k: k, n: n, ldb: n, transposed: false, into: out.baseAddress!)
      }
    }
    let fromPacked = secondsPerCall {
      a.withUnsafeBufferPointer { pa in
        packed.withUnsafeBufferPointer { pb in
          c.withUnsafeMutableBufferPointer { pc in
            SmallGEMM.multiply(
              kernel: chosen, m: m, n: n, k: k, a: pa.baseAddress!, lda: k, packed: pb.baseAddress!,
              c: pc.baseAddress!, ldc: n, accumulate: false)
          }
        }
      }
    }
    let kernels = SmallGEMM.Kernel.allCases.map(\.rawValue).joined(separator: " / ")
    let rates = ([blas] + small + [fromPacked]).map { formatted(flops / $0 / 1e9, decimals: 1) }.joined(
      separator: " / ")
    rows.append(
      ResultRow(
        benchmark: "recurrent step [\(m)x\(k)]x[\(k)x\(n)]",
        setting:
          "OpenBLAS / SmallGEMM \(kernels) / \(chosen.rawValue) packed, 1 thread (\(chosen.rawValue) chosen in \(formatted(choiceMilliseconds, decimals: 1)) ms)",
        result: "\(rates) GFLOP/s"))
  }
  // The backward pass's transposed copy of a recurrent weight ([H x 4H] LSTM, [H x 3H] GRU).
  for (r, c) in [(200, 800), (200, 600)] {
    let src = (0..<(r * c)).map { _ in generator.nextUniform() }
    var dst = [Float](repeating: 0, count: r * c)
    let seconds = src.withUnsafeBufferPointer { s in
      dst.withUnsafeMutableBufferPointer { d in
        secondsPerCall { BLAS.transpose(s.baseAddress!, rows: r, cols: c, into: d.baseAddress!) }
      }
    }
    rows.append(
      ResultRow(
        benchmark: "transpose [\(r)x\(c)]", setting: "OpenBLAS somatcopy, 1 thread",
        result: "\(formatted(seconds * 1e6, decimals: 1)) µs"))
  }
  return rows
}
