/// A dense row-major `rows x cols` matrix of `Float` on contiguous storage.
///
/// A value type: copies are cheap until written (copy-on-write of the backing array). Hot code
/// takes the storage once with `withUnsafe...BufferPointer` and works on raw pointers.
public struct Matrix: Equatable, Sendable {
  public private(set) var rows: Int
  public private(set) var cols: Int
  public var storage: [Float]

  public init(rows: Int, cols: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && cols >= 0)
    self.rows = rows
    self.cols = cols
    self.storage = [Float](repeating: value, count: rows * cols)
  }

  public init(rows: Int, cols: Int, storage: [Float]) {
    precondition(storage.count == rows * cols, "storage has \(storage.count) elements, expected \(rows * cols)")
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  public var count: Int { rows * cols }

  @inlinable
  public subscript(row: Int, col: Int) -> Float {
    get { storage[row * cols + col] }
    set { storage[row * cols + col] = newValue }
  }

  /// Changes the shape, keeping capacity; contents are zeroed when `zero` is true.
  public mutating func resize(rows: Int, cols: Int, zero: Bool = true) {
    let needed = rows * cols
    if storage.count != needed {
      if storage.count > needed {
        storage.removeLast(storage.count - needed)
      } else {
        storage.append(contentsOf: repeatElement(0, count: needed - storage.count))
      }
    }
    self.rows = rows
    self.cols = cols
    if zero { setZero() }
  }

  public mutating func setZero() {
    storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }

  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }

  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer { try body($0) }
  }

  /// Rows `range` as a new matrix (a copy).
  public func rows(_ range: Range<Int>) -> Matrix {
    Matrix(
      rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
  }
}
