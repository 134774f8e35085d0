import Testing

@testable import NCECore

@Suite struct SeededGeneratorTests {
  @Test func sameSeedSameSequence() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    var c = SeededGenerator(seed: 43)
    let sa = (0..<100).map { _ in a.next() }
    let sb = (0..<100).map { _ in b.next() }
    let sc = (0..<100).map { _ in c.next() }
    #expect(sa == sb)
    #expect(sa != sc)
  }

  @Test func stateRoundTripsThroughStateWords() {
    var a = SeededGenerator(seed: 5)
    for _ in 0..<10 { _ = a.next() }
    var restored = SeededGenerator(state: a.stateWords)
    #expect(restored == a)
    #expect((0..<20).map { _ in restored.next() } == (0..<20).map { _ in a.next() })
  }

  @Test func uniformsAreInTheUnitInterval() {
    var generator = SeededGenerator(seed: 9)
    var sum = 0.0
    var outside = 0
    let n = 100_000
    for _ in 0..<n {
      let f = generator.nextUniform()
      let d = generator.nextUniformDouble()
      if !(f >= 0 && f < 1) || !(d >= 0 && d < 1) { outside += 1 }
      sum += Double(f)
    }
    #expect(outside == 0)
    // Mean of U(0,1) has standard deviation 1/sqrt(12 n) ≈ 9e-4; allow 5 sigma.
    #expect(abs(sum / Double(n) - 0.5) < 5 * 0.000_913)
  }

  @Test(arguments: [2, 37, 1000])
  func nextIntIsUniform(bound: Int) {
    var generator = SeededGenerator(seed: UInt64(bound) * 31)
    let draws = 100 * bound
    var observed = [Int](repeating: 0, count: bound)
    for _ in 0..<draws { observed[generator.nextInt(below: bound)] += 1 }
    let expected = [Double](repeating: Double(draws) / Double(bound), count: bound)
    let statistic = chiSquareStatistic(observed: observed, expected: expected)
    // Wilson–Hilferty is poor for 1 degree of freedom: use the exact 0.999 quantile 10.828.
    let threshold = bound == 2 ? 10.828 : chiSquareQuantile999(degrees: bound - 1)
    #expect(statistic < threshold, "chi-square \(statistic) above \(threshold)")
  }

  @Test func normalDrawsHaveUnitVariance() {
    var generator = SeededGenerator(seed: 123)
    let n = 50_000
    var sum = 0.0
    var squares = 0.0
    for _ in 0..<n {
      let x = Double(generator.nextNormal())
      sum += x
      squares += x * x
    }
    let mean = sum / Double(n)
    #expect(abs(mean) < 5 / Double(n).squareRoot())
    #expect(abs(squares / Double(n) - 1) < 5 * (2 / Double(n)).squareRoot())
  }
}
