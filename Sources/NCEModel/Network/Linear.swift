import NCECore

/// `y = x W + b` with `W` stored `[in x out]`.
public final class Linear {
  public let weight: Parameter
  public let bias: Parameter
  private var lastInput = Matrix(rows: 0, cols: 0)

  public init(name: String, inputSize: Int, outputSize: Int, using rng: inout SeededGenerator) {
    let bound = 1 / Float(inputSize).squareRoot()
    weight = Parameter(
      name: "\(name).weight",
      value: ParameterInitializer.uniform(rows: inputSize, cols: outputSize, bound: bound, using: &rng))
    bias = Parameter(
      name: "\(name).bias", value: ParameterInitializer.uniform(rows: 1, cols: outputSize, bound: bound, using: &rng))
  }

  public var parameters: [Parameter] { [weight, bias] }

  /// Forward pass; keeps the input for `backward` when `training`.
  public func forward(_ x: Matrix, training: Bool) -> Matrix {
    var y = Matrix(rows: x.rows, cols: weight.value.cols)
    BLAS.gemm(x, weight.value, into: &y)
    bias.value.withUnsafeBufferPointer { b in
      y.withUnsafeMutableBufferPointer {
        VectorMath.addRowVector(b.baseAddress!, to: $0.baseAddress!, rows: x.rows, cols: b.count)
      }
    }
    if training { lastInput = x }
    return y
  }

  public func backward(_ gradOutput: Matrix) -> Matrix {
    let beta = weight.gradientBeta()
    BLAS.gemm(lastInput, transA: true, gradOutput, into: &weight.gradient, beta: beta)
    bias.prepareGradientForAdding()
    gradOutput.withUnsafeBufferPointer { g in
      bias.gradient.withUnsafeMutableBufferPointer { db in
        VectorMath.accumulateColumnSums(
          g.baseAddress!, rows: gradOutput.rows, cols: gradOutput.cols, into: db.baseAddress!)
      }
    }
    var gradInput = Matrix(rows: gradOutput.rows, cols: weight.value.rows)
    BLAS.gemm(gradOutput, weight.value, transB: true, into: &gradInput)
    return gradInput
  }
}
