import Testing

@testable import NCECore

/// The inlined row kernels (`dot`, `addScaled`, `lanes`/`store`) against Double references on
/// lengths around the 16- and 32-lane blocks, with NaN just past the end of every input so a
/// read beyond `count` shows.
@Suite struct VectorMathRowKernelTests {
  static let counts = [0, 1, 7, 15, 16, 17, 31, 32, 33, 48, 200, 203]

  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextUniform() * 2 - 1 } + [.nan, .nan]
  }

  @Test(arguments: counts)
  func dotMatchesDouble(count: Int) {
    let x = Self.values(count, seed: 1)
    let y = Self.values(count, seed: 2)
    var exact = 0.0
    var magnitude = 0.0
    for i in 0..<count {
      exact += Double(x[i]) * Double(y[i])
      magnitude += abs(Double(x[i]) * Double(y[i]))
    }
    let result = x.withUnsafeBufferPointer { px in
      y.withUnsafeBufferPointer { py in VectorMath.dot(px.baseAddress!, py.baseAddress!, count: count) }
    }
    #expect(abs(Double(result) - exact) <= 1e-6 * magnitude, "count \(count): \(result) vs \(exact)")
  }

  @Test(arguments: counts)
  func addScaledMatchesDoubleAndStopsAtCount(count: Int) {
    let x = Self.values(count, seed: 3)
    var y = Self.values(count, seed: 4)
    y[count] = 5
    let before = y
    let alpha: Float = -0.75
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in
        VectorMath.addScaled(alpha, px.baseAddress!, to: py.baseAddress!, count: count)
      }
    }
    for i in 0..<count {
      let exact = Double(before[i]) + Double(alpha) * Double(x[i])
      #expect(abs(Double(y[i]) - exact) <= 1e-6, "element \(i) of \(count)")
    }
    #expect(y[count] == 5, "wrote past count \(count)")
  }

  @Test(arguments: counts)
  func partialLanesLoadZerosAndStoreOnlyUpToCount(count: Int) {
    let source = Self.values(count, seed: 5)
    var target = [Float](repeating: 9, count: count + 16)
    source.withUnsafeBufferPointer { s in
      target.withUnsafeMutableBufferPointer { t in
        var j = 0
        while j < count {
          let v = VectorMath.lanes(s.baseAddress!, j, count)
          for lane in 0..<16 where j + lane >= count { #expect(v[lane] == 0, "lane \(lane) past count \(count)") }
          VectorMath.store(v * 2, t.baseAddress!, j, count)
          j += 16
        }
      }
    }
    for i in 0..<count { #expect(target[i] == 2 * source[i]) }
    for i in count..<target.count { #expect(target[i] == 9, "wrote index \(i) past count \(count)") }
  }
}
