import NCECore

/// A trainable tensor with its gradient. Layers own parameters; the optimizer walks them.
///
/// Row-sparse parameters (embeddings, output rows) record which rows received gradient in
/// `touchedRows`, so clipping and the update visit only those rows. Only the touched rows of
/// such a gradient are part of it: the data-parallel reduction and the update forget rows
/// without zeroing them (which cost two write passes over every touched row per batch), and
/// `touch` zeroes a row when it joins. So a row must be touched before anything is added to it.
/// Likewise a dense gradient is not zeroed after a step but marked stale (`endGradient()`): its
/// next writer overwrites it (`gradientBeta()` for a GEMM) or zeroes it first
/// (`prepareGradientForAdding()`).
///
/// A parameter with `gradientOutside` (the direct-feature table, whose workers each keep a
/// `DirectGradient`) has an empty `gradient` and no touched rows: the generic reduction,
/// clipping and update leave it alone, and its owner updates it.
public final class Parameter {
  public let name: String
  /// Held in a box that a data-parallel replica's parameter shares (`shareValues(of:)`): the
  /// update writes each weight once, and replicas hold no copies of the weights.
  private var values: ParameterValues
  public var value: Matrix {
    get { values.matrix }
    // In place: a getter-and-setter pair would copy the whole matrix on every write.
    _modify { yield &values.matrix }
  }
  public var gradient: Matrix
  public let isRowSparse: Bool
  public let gradientOutside: Bool
  public private(set) var touchedRows = RowSet(capacity: 0)

  public init(name: String, value: Matrix, isRowSparse: Bool = false) {
    self.name = name
    values = ParameterValues(value)
    self.gradient = Matrix(rows: value.rows, cols: value.cols)
    self.isRowSparse = isRowSparse
    gradientOutside = false
    if isRowSparse { touchedRows = RowSet(capacity: value.rows) }
  }

  /// A parameter that reads and writes `source`'s values (`shareValues(of:)`), with a gradient
  /// of its own.
  convenience init(sharingValuesOf source: Parameter) {
    self.init(name: source.name, value: Matrix(rows: 0, cols: 0), isRowSparse: source.isRowSparse)
    values = source.values
    gradient = Matrix(rows: source.value.rows, cols: source.value.cols)
    if isRowSparse { touchedRows = RowSet(capacity: source.value.rows) }
  }

  /// A parameter whose gradient is kept elsewhere (`gradientOutside`).
  public init(name: String, valueWithGradientOutside value: Matrix) {
    self.name = name
    values = ParameterValues(value)
    gradient = Matrix(rows: 0, cols: value.cols)
    isRowSparse = true
    self.gradientOutside = true
  }

  /// From now on reads and writes `source`'s values (same shape) instead of its own: a
  /// replica's parameter, whose gradient stays its own.
  func shareValues(of source: Parameter) {
    precondition(source.value.rows == value.rows && source.value.cols == value.cols, "shared values keep their shape")
    values = source.values
  }

  /// Whether `self` and `other` read and write the same values.
  public func sharesValues(with other: Parameter) -> Bool { values === other.values }

  /// Makes `row` part of the gradient, zeroing it if it was not (call before adding to the
  /// row, and not while holding the gradient's storage).
  public func touch(row: Int) {
    touchZeroingNewRows { $0.insert(row) }
  }

  /// `touch(row:)` for each of `rows`, in order, under one access to the set.
  public func touch(rows: UnsafeBufferPointer<Int32>) {
    touchZeroingNewRows { $0.insert(contentsOf: rows) }
  }

  /// Makes `rows` part of the gradient, in order, without zeroing any: `joined[i]` is set when
  /// `rows[i]` joined here (its first occurrence, the row not yet part of the gradient), and the
  /// caller must then write that row (not add to it) before anything else adds to it. Per-row
  /// noise touches thousands of rows a batch: zeroing them first would be one more pass.
  func touchForWriting(rows: UnsafeBufferPointer<Int32>, joined: UnsafeMutablePointer<Bool>?) {
    touchedRows.insert(contentsOf: rows, joined: joined)
  }

  /// `touch(row:)` for every row, in order (a full softmax's output layer).
  public func touchAllRows() {
    let rows = gradient.rows
    touchZeroingNewRows { for row in 0..<rows { $0.insert(row) } }
  }

  /// Runs `insert` on `touchedRows`, then zeroes the gradient rows it added.
  private func touchZeroingNewRows(_ insert: (inout RowSet) -> Void) {
    let before = touchedRows.members.count
    insert(&touchedRows)
    let members = touchedRows.members
    guard members.count > before else { return }
    let cols = gradient.cols
    gradient.withUnsafeMutableBufferPointer { g in
      for row in members[before...] { (g.baseAddress! + Int(row) * cols).update(repeating: 0, count: cols) }
    }
  }

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
      gradientIsStale = false
    }
  }

  /// Whether a dense gradient holds an ended step's values (`endGradient()`), which mean zero.
  public private(set) var gradientIsStale = false

  /// Ends the gradient without writing it: a row-sparse one forgets its rows (`touch` zeroes a
  /// row when it joins again), a dense one becomes stale.
  func endGradient() {
    if isRowSparse { touchedRows.removeAll() } else { gradientIsStale = true }
  }

  /// The `beta` for a GEMM that adds to this dense gradient: 0 (overwrite) when it is stale, 1
  /// otherwise; either way it holds a gradient afterwards. Call before borrowing the storage.
  public func gradientBeta() -> Float {
    guard gradientIsStale else { return 1 }
    gradientIsStale = false
    return 0
  }

  /// Before adding element by element to this dense gradient: zeroes it when it is stale.
  public func prepareGradientForAdding() {
    guard gradientIsStale else { return }
    gradient.setZero()
    gradientIsStale = false
  }

  /// Squared L2 norm of the gradient, in Double.
  public var gradientSquaredNorm: Double {
    if gradientIsStale { return 0 }
    return gradient.withUnsafeBufferPointer { g in
      if !isRowSparse { return VectorMath.squaredNorm(g.baseAddress!, count: g.count) }
      var total = 0.0
      for row in touchedRows.members {
        total += VectorMath.squaredNorm(g.baseAddress! + Int(row) * gradient.cols, count: gradient.cols)
      }
      return total
    }
  }
}

/// A parameter's values, shared by a model's parameter and its replicas' (see `Parameter`).
private final class ParameterValues {
  var matrix: Matrix
  init(_ matrix: Matrix) { self.matrix = matrix }
}

extension Parameter {
  enum Part { case value, gradient }

  /// Calls `body` with the storage of `part` of every parameter in `parameters`, in order: the
  /// raw view data-parallel kernels work on.
  static func withStorage<R>(
    of parameters: ArraySlice<Parameter>, _ part: Part,
    collected: [UnsafeMutablePointer<Float>] = [], _ body: ([UnsafeMutablePointer<Float>]) -> R
  ) -> R {
    guard let first = parameters.first else { return body(collected) }
    func next(_ storage: UnsafeMutableBufferPointer<Float>) -> R {
      withStorage(of: parameters.dropFirst(), part, collected: collected + [storage.baseAddress!], body)
    }
    switch part {
    case .value: return first.values.matrix.withUnsafeMutableBufferPointer(next)
    case .gradient: return first.gradient.withUnsafeMutableBufferPointer(next)
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

  /// `insert` of each row in order, with one range check per row and no per-row uniqueness or
  /// exclusivity checks on `present` (per-row noise inserts `N k` rows per batch).
  /// With `joined`, `joined[i]` says whether `rows[i]` was inserted (was not a member).
  public mutating func insert(contentsOf rows: UnsafeBufferPointer<Int32>, joined: UnsafeMutablePointer<Bool>? = nil) {
    let capacity = present.count
    present.withUnsafeMutableBufferPointer { present in
      for (i, row) in rows.enumerated() {
        let index = Int(row)
        precondition(index >= 0 && index < capacity, "row out of range")
        let isNew = !present[index]
        if isNew {
          present[index] = true
          members.append(row)
        }
        joined?[i] = isNew
      }
    }
  }

  public mutating func removeAll() {
    for row in members { present[Int(row)] = false }
    members.removeAll(keepingCapacity: true)
  }
}
