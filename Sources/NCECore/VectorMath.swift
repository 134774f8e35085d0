/// Vectorized element-wise kernels on raw `Float` buffers (16 lanes per step, AVX-512 wide).
/// The per-vector and per-row kernels are `@inlinable`: `@inline(__always)` alone does not
/// cross the module boundary, and the gate loops and per-row noise of `NCEModel` called them.
///
/// `exp` is a Cephes-style range reduction plus degree-6 polynomial: relative error below
/// 2e-7 on [-87, 88] (measured 8e-8), several times faster than calling `expf` per element
/// (bench-core prints the ratio). `sigmoid` and `tanh` build on it. Inputs are clamped to
/// [-87.3, 88.3], so no kernel produces NaN or infinity from any non-NaN input, infinities
/// included.
public enum VectorMath {
  public typealias Lanes = SIMD16<Float>

  @inlinable @inline(__always)
  public static func exp(_ v: Lanes) -> Lanes {
    // Masked selects compile to vector blends; `clamped(lowerBound:upperBound:)` on SIMD16
    // is a scalar element loop and made this kernel 25x slower (measured by bench-core).
    var x = v.replacing(with: Lanes(repeating: -87.3), where: v .< -87.3)
    x = x.replacing(with: Lanes(repeating: 88.3), where: x .> 88.3)
    // Round x*log2(e) to the nearest integer with the 1.5*2^23 trick; its low bits hold n.
    let magic = Lanes(repeating: 12_582_912)
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = Lanes(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * (r * r) + r + 1
    let bits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Lanes.self)
    return p * scale
  }

  @inlinable @inline(__always)
  public static func sigmoid(_ v: Lanes) -> Lanes { 1 / (1 + exp(-v)) }

  /// Natural logarithm of positive normal inputs (Cephes `logf`: mantissa in [√½, √2) and a
  /// degree-9 polynomial; relative error below 3e-7).
  @inlinable @inline(__always)
  public static func log(_ v: Lanes) -> Lanes {
    let bits = unsafeBitCast(v, to: SIMD16<Int32>.self)
    var exponent = Lanes((bits &>> 23) & 0xff &- 126)
    let mantissa = unsafeBitCast((bits & 0x007f_ffff) | 0x3f00_0000, to: Lanes.self)  // [0.5, 1)
    let small = mantissa .< 0.707_106_781_186_547_5
    exponent = exponent.replacing(with: exponent - 1, where: small)
    let x = (mantissa - 1).replacing(with: mantissa + mantissa - 1, where: small)
    let z = x * x
    var y = Lanes(repeating: 7.037_683_629_2e-2)
    y = y * x - 1.151_461_031_0e-1
    y = y * x + 1.167_699_874_0e-1
    y = y * x - 1.242_014_084_6e-1
    y = y * x + 1.424_932_278_7e-1
    y = y * x - 1.666_805_766_5e-1
    y = y * x + 2.000_071_476_5e-1
    y = y * x - 2.499_999_399_3e-1
    y = y * x + 3.333_333_117_4e-1
    y = y * x * z
    y += exponent * -2.121_944_40e-4
    y -= 0.5 * z
    return x + y + exponent * 0.693_359_375
  }

  @inlinable @inline(__always)
  public static func tanh(_ v: Lanes) -> Lanes { 2 / (1 + exp(-2 * v)) - 1 }

  /// Applies `kernel` to `count` elements in place, 16 at a time; the tail is zero-padded.
  @inline(__always)
  static func map(_ p: UnsafeMutablePointer<Float>, _ count: Int, _ kernel: (Lanes) -> Lanes) {
    var i = 0
    let raw = UnsafeMutableRawPointer(p)
    while i + 16 <= count {
      let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
      raw.storeBytes(of: kernel(v), toByteOffset: i * 4, as: Lanes.self)
      i += 16
    }
    if i < count {
      var v = Lanes()
      for j in 0..<(count - i) { v[j] = p[i + j] }
      let out = kernel(v)
      for j in 0..<(count - i) { p[i + j] = out[j] }
    }
  }

  public static func exp(_ p: UnsafeMutablePointer<Float>, count: Int) { map(p, count, exp) }

  /// `p[i] = scale * exp(p[i] - shift)` in one pass (a softmax row from its log-normalizer).
  public static func scaledExp(_ p: UnsafeMutablePointer<Float>, count: Int, shift: Float, scale: Float) {
    let s = Lanes(repeating: shift)
    let k = Lanes(repeating: scale)
    map(p, count) { exp($0 - s) * k }
  }
  public static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) { map(p, count, sigmoid) }
  public static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) { map(p, count, tanh) }

  /// Sum of squares, 16 lanes at a time, accumulated in Double every 4096 elements for
  /// stability across millions of elements.
  public static func squaredNorm(_ p: UnsafePointer<Float>, count: Int) -> Double {
    var total = 0.0
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i < count {
      let end = Swift.min(count, i + 4096)
      var lanes = Lanes()
      while i + 16 <= end {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
        lanes.addProduct(v, v)
        i += 16
      }
      var partial = lanes.sum()
      while i < end {
        partial += p[i] * p[i]
        i += 1
      }
      total += Double(partial)
    }
    return total
  }

  /// For `i` in `offset ..< offset + count`: `target[i] += Σ_s sources[s][i]` (with
  /// `overwriting`, `target[i] = Σ_s sources[s][i]`: the target's old values are not read), and
  /// with `zeroingSources` every `sources[s][i] = 0`; returns `Σ target[i]²` after the sum (16
  /// lanes at a time, in Double every 4096 elements). Sources are added in order, to `0` when
  /// overwriting, so either way the values are those of adding to a zeroed target. With no
  /// sources and no overwriting the target is only read (a row only the model touched).
  public static func accumulate(
    _ sources: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, into target: UnsafeMutablePointer<Float>,
    offset: Int, count: Int, overwriting: Bool = false, zeroingSources: Bool = true
  ) -> Double {
    let target = target + offset
    var total = 0.0
    var i = 0
    let out = UnsafeMutableRawPointer(target)
    let writes = overwriting || !sources.isEmpty
    while i < count {
      let end = Swift.min(count, i + 4096)
      var lanes = Lanes()
      while i + 16 <= end {
        var v = overwriting ? Lanes() : out.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
        for source in sources {
          let raw = UnsafeMutableRawPointer(source + offset)
          v += raw.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
          if zeroingSources { raw.storeBytes(of: Lanes(), toByteOffset: i * 4, as: Lanes.self) }
        }
        if writes { out.storeBytes(of: v, toByteOffset: i * 4, as: Lanes.self) }
        lanes.addProduct(v, v)
        i += 16
      }
      var partial = lanes.sum()
      while i < end {
        if overwriting { target[i] = 0 }
        for source in sources {
          target[i] += source[offset + i]
          if zeroingSources { source[offset + i] = 0 }
        }
        partial += target[i] * target[i]
        i += 1
      }
      total += Double(partial)
    }
    return total
  }

  /// Whether all `count` elements are zero (either sign); false for any NaN.
  public static func isZero(_ p: UnsafePointer<Float>, count: Int) -> Bool {
    for i in 0..<count where p[i] != 0 { return false }
    return true
  }

  /// `row[j] += bias[j]` for each of `rows` rows of width `cols`.
  public static func addRowVector(
    _ bias: UnsafePointer<Float>, to p: UnsafeMutablePointer<Float>, rows: Int, cols: Int
  ) {
    for r in 0..<rows {
      let row = p + r * cols
      for j in 0..<cols { row[j] += bias[j] }
    }
  }

  /// `sums[j] += Σ_r p[r][j]`: the bias gradient of a row-broadcast bias.
  public static func accumulateColumnSums(
    _ p: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let row = p + r * cols
      for j in 0..<cols { sums[j] += row[j] }
    }
  }

  /// Row-wise log-softmax in place; returns nothing, writes `ln Σ exp(row)` to `logNormalizers`
  /// when given. Each row is shifted by its maximum, so no overflow for any finite input.
  public static func logSoftmaxRows(
    _ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
    logNormalizers: UnsafeMutablePointer<Float>? = nil
  ) {
    for r in 0..<rows {
      let row = p + r * cols
      let lse = logSumExp(UnsafePointer(row), count: cols)
      for j in 0..<cols { row[j] -= lse }
      logNormalizers?[r] = lse
    }
  }

  /// `ln Σ exp(p[i])` without overflow.
  public static func logSumExp(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var maximum = -Float.infinity
    do {
      // 16 lanes at a time: a scalar max reduction does not vectorize under strict FP.
      var lanes = Lanes(repeating: -.infinity)
      var j = 0
      let raw = UnsafeRawPointer(p)
      while j + 16 <= count {
        let v = raw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self)
        lanes.replace(with: v, where: v .> lanes)
        j += 16
      }
      maximum = lanes.max()
      while j < count {
        maximum = Swift.max(maximum, p[j])
        j += 1
      }
    }
    if maximum == -.infinity { return -.infinity }
    var sum = Lanes()
    var j = 0
    let raw = UnsafeRawPointer(p)
    let shift = Lanes(repeating: maximum)
    while j + 16 <= count {
      sum += exp(raw.loadUnaligned(fromByteOffset: j * 4, as: Lanes.self) - shift)
      j += 16
    }
    var total = sum.sum()
    while j < count {
      total += scalarExp(p[j] - maximum)
      j += 1
    }
    return maximum + scalarLog(total)
  }
}

extension VectorMath {
  /// `Σ x[i] y[i]`, 32 lanes per step in two accumulators, inlined: for the many length-`E`
  /// dot products of per-row noise, where a library call per product costs as much as the work.
  @inlinable @inline(__always)
  public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    let rx = UnsafeRawPointer(x)
    let ry = UnsafeRawPointer(y)
    var even = Lanes()
    var odd = Lanes()
    var i = 0
    while i + 32 <= count {
      even.addProduct(
        rx.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self), ry.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
      )
      odd.addProduct(
        rx.loadUnaligned(fromByteOffset: i * 4 + 64, as: Lanes.self),
        ry.loadUnaligned(fromByteOffset: i * 4 + 64, as: Lanes.self))
      i += 32
    }
    if i + 16 <= count {
      even.addProduct(
        rx.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self), ry.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self)
      )
      i += 16
    }
    var total = (even + odd).sum()
    while i < count {
      total += x[i] * y[i]
      i += 1
    }
    return total
  }

  /// `y[i] = alpha x[i]`: the values `addScaled` gives on a zeroed `y`, without reading `y`.
  @inlinable @inline(__always)
  public static func setScaled(
    _ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int
  ) {
    scaledRow(alpha, x, to: y, count: count, adding: false)
  }

  /// `y[i] += alpha x[i]`, 16 lanes per step, inlined (see `dot`).
  @inlinable @inline(__always)
  public static func addScaled(
    _ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int
  ) {
    scaledRow(alpha, x, to: y, count: count, adding: true)
  }

  /// `addScaled` (`adding`) or `setScaled`: the same fused multiply-add on `y` or on zero.
  @inlinable @inline(__always) @usableFromInline
  static func scaledRow(
    _ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int, adding: Bool
  ) {
    let rx = UnsafeRawPointer(x)
    let ry = UnsafeMutableRawPointer(y)
    let a = Lanes(repeating: alpha)
    var i = 0
    while i + 16 <= count {
      var v = adding ? ry.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self) : Lanes()
      v.addProduct(a, rx.loadUnaligned(fromByteOffset: i * 4, as: Lanes.self))
      ry.storeBytes(of: v, toByteOffset: i * 4, as: Lanes.self)
      i += 16
    }
    while i < count {
      if adding { y[i] += alpha * x[i] } else { y[i] = alpha * x[i] }
      i += 1
    }
  }
}

extension VectorMath {
  /// 16 floats from `p + j`; lanes at or past `count` (a row's tail) are zero.
  @inlinable @inline(__always)
  public static func lanes(_ p: UnsafePointer<Float>, _ j: Int, _ count: Int) -> Lanes {
    if j + 16 <= count { return UnsafeRawPointer(p + j).loadUnaligned(as: Lanes.self) }
    var v = Lanes()
    for i in 0..<(count - j) { v[i] = p[j + i] }
    return v
  }

  /// Stores to `p + j` the lanes of `v` that fall before `count`.
  @inlinable @inline(__always)
  public static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ j: Int, _ count: Int) {
    if j + 16 <= count {
      UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: Lanes.self)
    } else {
      for i in 0..<(count - j) { p[j + i] = v[i] }
    }
  }
}
