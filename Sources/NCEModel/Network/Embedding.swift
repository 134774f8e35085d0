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

  /// Adds row `i` of `gradOutput` to the gradient row of `ids[i]`.
  public func backward(_ gradOutput: Matrix, ids: UnsafeBufferPointer<Int32>) {
    let width = size
    weight.touch(rows: ids)
    gradOutput.withUnsafeBufferPointer { g in
      weight.gradient.withUnsafeMutableBufferPointer { dW in
        for (i, id) in ids.enumerated() {
          BLAS.axpy(count: width, alpha: 1, x: g.baseAddress! + i * width, y: dW.baseAddress! + Int(id) * width)
        }
      }
    }
  }
}
