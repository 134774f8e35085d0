import NCECore

/// The state each output row of a `StepLayout` continued from, as one `[rows x H]` matrix, for
/// the recurrent weight gradient `H_prev^T dG` in a single GEMM.
enum PreviousStates {
  /// Calls `body` with the `[rows x H]` previous states taken from `states`, which is
  /// `[batch + rows x H]` (see `StepLayout.previousStateRow`). Dense layouts need no copy: their
  /// previous states are the first `rows` rows. Packed ones are gathered into `scratch`,
  /// because a step's previous states are a prefix of a longer block.
  static func withRows<R>(
    of states: Matrix, layout: StepLayout, scratch: inout Matrix, _ body: (UnsafePointer<Float>) -> R
  ) -> R {
    let width = states.cols
    if layout.isDense {
      return states.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
    scratch.resize(rows: layout.rows, cols: width, zero: false)
    states.withUnsafeBufferPointer { src in
      scratch.withUnsafeMutableBufferPointer { dst in
        for t in 0..<layout.steps {
          (dst.baseAddress! + layout.offsets[t] * width).update(
            from: src.baseAddress! + layout.previousStateRow(t) * width, count: layout.lanes[t] * width)
        }
      }
    }
    return scratch.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}
