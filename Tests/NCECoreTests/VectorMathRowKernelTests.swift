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

  /// `setScaled` gives bit for bit what `addScaled` gives on a zeroed row, never reading `y`
  /// (NaN there) nor writing past `count`.
  @Test(arguments: counts)
  func setScaledEqualsAddScaledOnZeroAndStopsAtCount(count: Int) {
    let x = Self.values(count, seed: 5)
    var added = [Float](repeating: 0, count: count + 1)
    var set = [Float](repeating: .nan, count: count) + [5]
    x.withUnsafeBufferPointer { px in
      added.withUnsafeMutableBufferPointer {
        VectorMath.addScaled(0.3, px.baseAddress!, to: $0.baseAddress!, count: count)
      }
      set.withUnsafeMutableBufferPointer {
        VectorMath.setScaled(0.3, px.baseAddress!, to: $0.baseAddress!, count: count)
      }
    }
    #expect(Array(set[..<count]) == Array(added[..<count]))
    #expect(set[count] == 5, "wrote past count \(count)")
  }

  /// The reduction kernel against a Double reference for each mode: adding to the target or
  /// overwriting it (its NaN never read), zeroing the sources or not, and no sources at all
  /// (the target keeps its values); the squared norm of the result either way.
  @Test(arguments: [0, 1, 17, 203, 4096 + 37], [false, true])
  func accumulateMatchesDoubleInEveryMode(count: Int, overwriting: Bool) {
    for sourceCount in 0...2 {
      for zeroing in [false, true] {
        let offset = 3
        var target = [Float](repeating: 9, count: offset) + Self.values(count, seed: 6).dropLast(2) + [9]
        if overwriting { for i in offset..<(offset + count) { target[i] = .nan } }
        let before = target
        let stride = offset + count
        let original = (0..<sourceCount).map { Array(Self.values(stride, seed: 10 + UInt64($0)).dropLast(2)) }
        var flat = Array(original.joined())
        let norm = flat.withUnsafeMutableBufferPointer { all in
          let pointers = (0..<sourceCount).map { all.baseAddress! + $0 * stride }
          return target.withUnsafeMutableBufferPointer { t in
            pointers.withUnsafeBufferPointer {
              VectorMath.accumulate(
                $0, into: t.baseAddress!, offset: offset, count: count, overwriting: overwriting,
                zeroingSources: zeroing)
            }
          }
        }
        let sources = (0..<sourceCount).map { Array(flat[($0 * stride)..<(($0 + 1) * stride)]) }
        var squares = 0.0
        for i in offset..<(offset + count) {
          var exact = overwriting ? 0 : Double(before[i])
          for source in original { exact += Double(source[i]) }
          #expect(abs(Double(target[i]) - exact) <= 1e-6, "element \(i)")
          squares += Double(target[i]) * Double(target[i])
          for (s, source) in sources.enumerated() { #expect(source[i] == (zeroing ? 0 : original[s][i])) }
        }
        #expect(abs(norm - squares) <= 1e-5 * max(squares, 1))
        #expect(target[..<offset].allSatisfy { $0 == 9 } && target[offset + count] == 9)
        if sourceCount == 0 && !overwriting {
          #expect(target.elementsEqual(before) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
      }
    }
  }
}
