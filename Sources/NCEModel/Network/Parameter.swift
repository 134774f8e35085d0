import NCECore

/// A trainable tensor with its gradient. Layers own parameters; the optimizer walks them.
///
/// Row-sparse parameters (embeddings, output rows) record which rows received gradient in
/// `touchedRows`, so clipping and the update visit only those rows.
///
/// A parameter with `gradientOutside` (the direct-feature table, whose workers each keep a
/// `DirectGradient`) has an empty `gradient` and no touched rows: the generic reduction,
/// clipping and update leave it alone, and its owner updates it.
public final class Parameter {
  public let name: String
  public var value: Matrix
  public var gradient: Matrix
  public let isRowSparse: Bool
  public let gradientOutside: Bool
  public private(set) var touchedRows = RowSet(capacity: 0)

  public init(name: String, value: Matrix, isRowSparse: Bool = false) {
    self.name = name
    self.value = value
    self.gradient = Matrix(rows: value.rows, cols: value.cols)
    self.isRowSparse = isRowSparse
    gradientOutside = false
    if isRowSparse { touchedRows = RowSet(capacity: value.rows) }
  }

  /// A parameter whose gradient is kept elsewhere (`gradientOutside`).
  public init(name: String, valueWithGradientOutside value: Matrix) {
    self.name = name
    self.value = value
    gradient = Matrix(rows: 0, cols: value.cols)
    isRowSparse = true
    self.gradientOutside = true
  }

  /// Records that `row` of the gradient is non-zero.
  @inline(__always)
  public func touch(row: Int) { touchedRows.insert(row) }

  /// Zeroes the gradient (only the touched rows when row-sparse).
  public func zeroGradient() {
    if isRowSparse {
      let cols = gradient.cols
      gradient.withUnsafeMutableBufferPointer { g in
        for row in touchedRows.members { (g.baseAddress! + Int(row) * cols).update(repeating: 0, count: cols) }
      }
      touchedRows.removeAll()
    } else {
      gradient.setZero()
    }
  }

  /// Forgets the touched rows of a gradient whose rows the caller has already zeroed.
  func forgetTouchedRows() { touchedRows.removeAll() }

  /// Squared L2 norm of the gradient, in Double.
  public var gradientSquaredNorm: Double {
    gradient.withUnsafeBufferPointer { g in
      if !isRowSparse { return VectorMath.squaredNorm(g.baseAddress!, count: g.count) }
      var total = 0.0
      for row in touchedRows.members {
        total += VectorMath.squaredNorm(g.baseAddress! + Int(row) * gradient.cols, count: gradient.cols)
      }
      return total
    }
  }
}

extension Parameter {
  /// Calls `body` with the storage of `matrix` (`\.value` or `\.gradient`) of every parameter
  /// in `parameters`, in order: the raw view data-parallel kernels work on.
  static func withStorage<R>(
    of parameters: ArraySlice<Parameter>, _ matrix: ReferenceWritableKeyPath<Parameter, Matrix>,
    collected: [UnsafeMutablePointer<Float>] = [], _ body: ([UnsafeMutablePointer<Float>]) -> R
  ) -> R {
    guard let first = parameters.first else { return body(collected) }
    return first[keyPath: matrix].withUnsafeMutableBufferPointer {
      withStorage(of: parameters.dropFirst(), matrix, collected: collected + [$0.baseAddress!], body)
    }
  }
}

/// A set of row indices with O(1) insert and a list of members in insertion order.
public struct RowSet: Sendable {
  private var present: [Bool]
  public private(set) var members: [Int32] = []

  public init(capacity: Int) { present = [Bool](repeating: false, count: capacity) }

  @inline(__always)
  public mutating func insert(_ row: Int) {
    if !present[row] {
      present[row] = true
      members.append(Int32(row))
    }
  }

  public mutating func removeAll() {
    for row in members { present[Int(row)] = false }
    members.removeAll(keepingCapacity: true)
  }
}
