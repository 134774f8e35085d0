import NCECore

/// The state a recurrent layer carries between time steps: `hidden` (and `cell` for LSTM),
/// each `[batch x hiddenSize]`. GRU layers leave `cell` empty.
public struct RecurrentState: Sendable, Equatable {
  public var hidden: Matrix
  public var cell: Matrix

  public init(batch: Int, hiddenSize: Int, hasCell: Bool) {
    hidden = Matrix(rows: batch, cols: hiddenSize)
    cell = Matrix(rows: hasCell ? batch : 0, cols: hasCell ? hiddenSize : 0)
  }

  public init(hidden: Matrix, cell: Matrix) {
    self.hidden = hidden
    self.cell = cell
  }

  /// The state after the last step of `layout` from a `[batch + rows x H]` state matrix (see
  /// `StepLayout.previousStateRow`): the lanes of the last step, zeros for lanes that ended
  /// earlier (padding); `states` itself when there are no steps.
  static func finalRows(of states: Matrix, layout: StepLayout) -> Matrix {
    let batch = layout.batch
    let width = states.cols
    guard let last = layout.lanes.last else {
      return Matrix(rows: batch, cols: width, storage: Array(states.storage[..<(batch * width)]))
    }
    var out = Matrix(rows: batch, cols: width)
    let start = (batch + layout.offsets[layout.steps - 1]) * width
    out.storage.replaceSubrange(0..<(last * width), with: states.storage[start..<(start + last * width)])
    return out
  }

  /// A state for `indices.count` sequences taken from rows `indices` of `self`.
  public func gathering(rows indices: UnsafeBufferPointer<Int32>) -> RecurrentState {
    RecurrentState(hidden: hidden.gatheringRows(indices), cell: cell.rows == 0 ? cell : cell.gatheringRows(indices))
  }
}

extension Matrix {
  /// Resizes `out` to `indices.count x cols` and fills row `i` with row `indices[i]` of `self`.
  public func gatherRows(_ indices: UnsafeBufferPointer<Int32>, into out: inout Matrix) {
    out.resize(rows: indices.count, cols: cols, zero: false)
    let width = cols
    withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for (i, row) in indices.enumerated() {
          (dst.baseAddress! + i * width).update(from: src.baseAddress! + Int(row) * width, count: width)
        }
      }
    }
  }

  /// A new matrix whose row `i` is row `indices[i]` of `self`.
  public func gatheringRows(_ indices: UnsafeBufferPointer<Int32>) -> Matrix {
    var out = Matrix(rows: indices.count, cols: cols)
    let width = cols
    withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for (i, row) in indices.enumerated() {
          (dst.baseAddress! + i * width).update(from: src.baseAddress! + Int(row) * width, count: width)
        }
      }
    }
    return out
  }
}
