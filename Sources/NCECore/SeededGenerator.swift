/// xoshiro256** seeded through SplitMix64: fast, deterministic for a given seed on every
/// platform, and its whole state can be saved in a checkpoint and restored.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
  public var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public init(state: [UInt64]) {
    precondition(state.count == 4)
    self.state = (state[0], state[1], state[2], state[3])
  }

  public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

  @inlinable @inline(__always)
  public mutating func next() -> UInt64 {
    let result = rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotl(state.3, 45)
    return result
  }

  /// Uniform in [0, 1) with 24 random bits.
  @inlinable @inline(__always)
  public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// Uniform in [0, 1) with 53 random bits.
  @inlinable @inline(__always)
  public mutating func nextUniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform integer in `0..<bound` (Lemire's multiply-shift; bias below 2^-32 for bound < 2^32).
  @inlinable @inline(__always)
  public mutating func nextInt(below bound: Int) -> Int {
    Int((UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)) >> 32)
  }

  /// Standard normal draw (Box–Muller).
  public mutating func nextNormal() -> Float {
    let u1 = max(nextUniformDouble(), 1e-300)
    let u2 = nextUniformDouble()
    return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
  }

  public static func == (a: Self, b: Self) -> Bool { a.stateWords == b.stateWords }

  @inlinable @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
