/// The weight that one batch's recurrent steps multiply by (`B` in `C = A B`), in the layout its
/// product reads fastest: packed for `SmallGEMM` when `SmallGEMM.packsWeights`, else row-major
/// (the weight in place, or a transposed copy). Either way every element of `C` is the same
/// chain of fused multiply-adds, so the choice never changes a result.
public struct RecurrentOperand {
  public let base: UnsafePointer<Float>
  /// Columns of `B` (`n`).
  public let cols: Int
  public let isPacked: Bool

  public init(base: UnsafePointer<Float>, cols: Int, isPacked: Bool) {
    self.base = base
    self.cols = cols
    self.isPacked = isPacked
  }

  /// `C (+)= A B` for one step's `m` rows (`A` is `m x k`).
  @inline(__always)
  public func multiply(
    m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    if isPacked {
      BLAS.recurrentGEMM(m: m, n: cols, k: k, a: a, lda: lda, packed: base, c: c, ldc: ldc, accumulate: accumulate)
    } else {
      BLAS.recurrentGEMM(
        m: m, n: cols, k: k, a: a, lda: lda, b: base, ldb: cols, c: c, ldc: ldc, accumulate: accumulate)
    }
  }

  /// Packs `weight` into `buffer` when a batch of `lanes` rows and `steps` steps reads it packed;
  /// returns whether it did (if not, the steps read `weight` in place and `buffer` is untouched).
  public static func pack(_ weight: Matrix, lanes: Int, steps: Int, into buffer: inout Matrix) -> Bool {
    guard SmallGEMM.packsWeights(lanes: lanes, steps: steps) else { return false }
    buffer.resize(rows: weight.rows, cols: weight.cols, zero: false)
    weight.withUnsafeBufferPointer { w in
      buffer.withUnsafeMutableBufferPointer { out in
        SmallGEMM.pack(
          w.baseAddress!, k: weight.rows, n: weight.cols, ldb: weight.cols, transposed: false, into: out.baseAddress!)
      }
    }
    return true
  }

  /// `weightᵀ` into `buffer`: packed when a batch of `lanes` rows and `steps` steps reads it
  /// packed, else row-major. Returns whether it is packed.
  public static func transpose(_ weight: Matrix, lanes: Int, steps: Int, into buffer: inout Matrix) -> Bool {
    let packs = SmallGEMM.packsWeights(lanes: lanes, steps: steps)
    buffer.resize(rows: weight.cols, cols: weight.rows, zero: false)
    weight.withUnsafeBufferPointer { w in
      buffer.withUnsafeMutableBufferPointer { out in
        if packs {
          SmallGEMM.pack(
            w.baseAddress!, k: weight.cols, n: weight.rows, ldb: weight.cols, transposed: true, into: out.baseAddress!)
        } else {
          BLAS.transpose(w.baseAddress!, rows: weight.rows, cols: weight.cols, into: out.baseAddress!)
        }
      }
    }
    return packs
  }
}
