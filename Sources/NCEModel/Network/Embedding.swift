import NCECore

/// A lookup table `[vocabulary x size]`; its gradient is row-sparse (only looked-up rows).
public final class Embedding {
  public let weight: Parameter

  public init(name: String, vocabularySize: Int, size: Int, using rng: inout SeededGenerator) {
    weight = Parameter(
      name: "\(name).weight",
      value: ParameterInitializer.uniform(rows: vocabularySize, cols: size, bound: 0.1, using: &rng),
      isRowSparse: true)
  }

  public init(weight: Parameter) { self.weight = weight }

  public var size: Int { weight.value.cols }

  /// Rows of the table for `ids`: `[ids.count x size]`.
  public func forward(_ ids: UnsafeBufferPointer<Int32>) -> Matrix {
    weight.value.gatheringRows(ids)
  }

  /// Adds row `i` of `gradOutput` to the gradient row of `ids[i]`. A row joining the gradient
  /// here is written by its first occurrence instead of zeroed and then added to (the same
  /// values: `setScaled` and `addScaled` on zero are one fused multiply-add by 1).
  public func backward(_ gradOutput: Matrix, ids: UnsafeBufferPointer<Int32>) {
    let width = size
    if joined.count < ids.count { joined = [Bool](repeating: false, count: ids.count) }
    joined.withUnsafeMutableBufferPointer { joined in
      weight.touchForWriting(rows: ids, joined: joined.baseAddress)
      gradOutput.withUnsafeBufferPointer { g in
        weight.gradient.withUnsafeMutableBufferPointer { dW in
          for (i, id) in ids.enumerated() {
            let row = dW.baseAddress! + Int(id) * width
            if joined[i] {
              VectorMath.setScaled(1, g.baseAddress! + i * width, to: row, count: width)
            } else {
              VectorMath.addScaled(1, g.baseAddress! + i * width, to: row, count: width)
            }
          }
        }
      }
    }
  }

  /// Scratch for `backward`: whether each id's row joined the gradient there.
  private var joined: [Bool] = []
}
