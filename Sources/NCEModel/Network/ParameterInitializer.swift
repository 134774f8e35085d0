import NCECore

/// Initial values, as PyTorch does them: uniform in ±bound.
public enum ParameterInitializer {
  public static func uniform(rows: Int, cols: Int, bound: Float, using rng: inout SeededGenerator) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    m.withUnsafeMutableBufferPointer { p in
      for i in 0..<p.count { p[i] = (2 * rng.nextUniform() - 1) * bound }
    }
    return m
  }
}
