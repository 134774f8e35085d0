import Foundation

// Scalar libm entry points under names that do not clash with `VectorMath`'s.
@inline(__always) func scalarExp(_ x: Float) -> Float { Foundation.exp(x) }
@inline(__always) func scalarLog(_ x: Float) -> Float { Foundation.log(x) }
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
