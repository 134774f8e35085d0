import NCECore
import Testing

@testable import NCEModel

@Suite("SGD optimizer")
struct SGDOptimizerTests {
  /// Dense momentum SGD on a plain array: the reference the row-sparse path must reproduce.
  static func denseSGD(_ w: inout [Double], _ m: inout [Double], gradient: [Double], lr: Double, mu: Double) {
    for i in w.indices {
      m[i] = mu * m[i] + gradient[i]
      w[i] -= lr * m[i]
    }
  }

  @Test func rowSparseMomentumCatchesUpWithDenseSGD() {
    let rows = 4
    let cols = 3
    let lr: Float = 0.5
    let mu: Float = 0.9
    let start = (0..<(rows * cols)).map { Float($0) / 10 }
    let parameter = Parameter(name: "p", value: Matrix(rows: rows, cols: cols, storage: start), isRowSparse: true)
    let optimizer = SGDOptimizer(weightDecay: 0, momentum: mu)
    var w = start.map(Double.init)
    var m = [Double](repeating: 0, count: rows * cols)
    // Row r receives gradient at the steps listed; other steps give it none.
    let touches: [Int: [Int]] = [0: [1, 2, 9], 1: [1], 2: [4, 5], 3: []]
    for step in 1...12 {
      var gradient = [Double](repeating: 0, count: rows * cols)
      for (row, steps) in touches where steps.contains(step) {
        parameter.touch(row: row)
        for j in 0..<cols {
          let g = Double(row + 1) * 0.1 + Double(j) * 0.01 + Double(step) * 0.001
          gradient[row * cols + j] = g
          parameter.gradient[row, j] = Float(g)
        }
      }
      optimizer.step([parameter], learningRate: lr)
      parameter.zeroGradient()
      Self.denseSGD(&w, &m, gradient: gradient, lr: Double(lr), mu: Double(mu))
    }
    optimizer.flush([parameter], learningRate: lr)
    for i in w.indices {
      #expect(abs(Double(parameter.value.storage[i]) - w[i]) < 1e-5, "element \(i)")
    }
    // A flushed optimizer saved and restored continues identically.
    let restored = SGDOptimizer(weightDecay: 0, momentum: mu)
    restored.restore(buffers: optimizer.buffers)
    #expect(restored.buffers == optimizer.buffers)
  }

  @Test func denseParametersFollowPyTorchSGD() {
    let parameter = Parameter(name: "d", value: Matrix(rows: 1, cols: 2, storage: [1, -1]))
    let optimizer = SGDOptimizer(weightDecay: 0.1, momentum: 0.5)
    parameter.gradient.storage = [0.2, 0.4]
    optimizer.step([parameter], learningRate: 1)
    // g = grad + 0.1 w = [0.3, 0.3]; m = g; w -= m.
    #expect(parameter.value.storage == [0.7, -1.3])
    parameter.gradient.storage = [0, 0]
    optimizer.step([parameter], learningRate: 1)
    // g = 0.1 w = [0.07, -0.13]; m = 0.5 m + g = [0.22, 0.02]; w -= m.
    #expect(abs(parameter.value.storage[0] - 0.48) < 1e-6 && abs(parameter.value.storage[1] - -1.32) < 1e-6)
  }

  /// A touched row's owed momentum-only moves are applied in the same pass as its update: the
  /// same values bit for bit as bringing the rows up to date first (`flush`, the same closed
  /// form) and then updating, over 16-lane and tail widths and lags of 1 to 300 steps (past the
  /// table of momentum powers).
  @Test(arguments: [5, 37])
  func catchUpInTheUpdatePassEqualsFlushingFirst(width: Int) {
    let rows = 4
    var generator = SeededGenerator(seed: 12)
    let start = (0..<(rows * width)).map { _ in generator.nextUniform() - 0.5 }
    let fused = Parameter(name: "p", value: Matrix(rows: rows, cols: width, storage: start), isRowSparse: true)
    let flushed = Parameter(name: "p", value: Matrix(rows: rows, cols: width, storage: start), isRowSparse: true)
    let fusedOptimizer = SGDOptimizer(weightDecay: 0.01, momentum: 0.9)
    let flushedOptimizer = SGDOptimizer(weightDecay: 0.01, momentum: 0.9)
    let touchedAt: Set<Int> = [0, 1, 3, 6, 13, 313, 314]
    for step in 0...314 {
      if touchedAt.contains(step) {
        flushedOptimizer.flush([flushed], learningRate: 0.2)
        for row in 0..<rows {
          let values = (0..<width).map { _ in generator.nextUniform() - 0.5 }
          for p in [fused, flushed] {
            p.touch(row: row)
            for j in 0..<width { p.gradient[row, j] = values[j] }
          }
        }
      }
      fusedOptimizer.step([fused], learningRate: 0.2, gradientScale: 0.8, threads: step % 2 + 1)
      flushedOptimizer.step([flushed], learningRate: 0.2, gradientScale: 0.8)
      fused.zeroGradient()
      flushed.zeroGradient()
    }
    #expect(fused.value.storage.map(\.bitPattern) == flushed.value.storage.map(\.bitPattern))
    #expect(fusedOptimizer.buffers == flushedOptimizer.buffers)
  }

  /// `prepare` only moves the allocation of the momentum buffers and row lags before the first
  /// step: the same weights and buffers bit for bit as buffers made by the steps themselves,
  /// also when the parameters were already trained and the buffers restored; a plain-rule
  /// parameter gets none.
  @Test func preparedBuffersChangeNothing() {
    func parameters() -> [Parameter] {
      var generator = SeededGenerator(seed: 3)
      let values = (0..<(6 * 4)).map { _ in generator.nextUniform() - 0.5 }
      return [
        Parameter(name: "rows", value: Matrix(rows: 6, cols: 4, storage: values), isRowSparse: true),
        Parameter(name: "dense", value: Matrix(rows: 4, cols: 6, storage: values)),
        Parameter(name: "plain", value: Matrix(rows: 2, cols: 3, storage: Array(values.prefix(6)))),
      ]
    }
    func train(_ parameters: [Parameter], _ optimizer: SGDOptimizer, steps: Range<Int>) {
      for step in steps {
        for p in parameters {
          for row in 0..<p.value.rows where !p.isRowSparse || (row + step) % 4 == 0 {
            if p.isRowSparse { p.touch(row: row) }
            for j in 0..<p.value.cols { p.gradient[row, j] = Float((row * 7 + j * 3 + step) % 11) / 11 - 0.4 }
          }
        }
        optimizer.step(parameters, learningRate: 0.3, gradientScale: 0.7)
        for p in parameters { p.zeroGradient() }
      }
    }
    func makeOptimizer() -> SGDOptimizer {
      let optimizer = SGDOptimizer(weightDecay: 0.01, momentum: 0.9)
      optimizer.plainRules["plain"] = .init(learningRateFactor: 2, weightDecay: 0)
      return optimizer
    }
    let (lazy, prepared) = (parameters(), parameters())
    let (lazyOptimizer, preparedOptimizer) = (makeOptimizer(), makeOptimizer())
    preparedOptimizer.prepare(prepared)
    #expect(Set(preparedOptimizer.buffers.keys) == ["rows", "rows#lag", "dense"])
    #expect(preparedOptimizer.buffers.values.allSatisfy { $0.storage.allSatisfy { $0 == 0 } })
    train(lazy, lazyOptimizer, steps: 0..<5)
    train(prepared, preparedOptimizer, steps: 0..<5)
    #expect(lazy.map(\.value) == prepared.map(\.value))
    #expect(lazyOptimizer.buffers == preparedOptimizer.buffers)
    // Restored buffers are kept, and training continues identically.
    let restored = makeOptimizer()
    restored.restore(buffers: lazyOptimizer.buffers)
    restored.prepare(prepared)
    #expect(restored.buffers == lazyOptimizer.buffers)
    train(lazy, lazyOptimizer, steps: 5..<9)
    train(prepared, restored, steps: 5..<9)
    lazyOptimizer.flush(lazy, learningRate: 0.3)
    restored.flush(prepared, learningRate: 0.3)
    #expect(lazy.map(\.value) == prepared.map(\.value))
    #expect(lazyOptimizer.buffers == restored.buffers)
  }

  /// The data-parallel update: gradients scaled on the fly and the work split over threads
  /// must equal the one-thread update of pre-scaled gradients, for dense and row-sparse
  /// parameters; a replica's parameter reads the updated values without a copy.
  @Test(arguments: [false, true])
  func chunkedStepEqualsThePlainStepAndReplicasReadIt(rowSparse: Bool) {
    let rows = 37
    let cols = 5
    var generator = SeededGenerator(seed: 8)
    let start = (0..<(rows * cols)).map { _ in generator.nextUniform() - 0.5 }
    let plain = Parameter(name: "p", value: Matrix(rows: rows, cols: cols, storage: start), isRowSparse: rowSparse)
    let chunked = Parameter(name: "p", value: Matrix(rows: rows, cols: cols, storage: start), isRowSparse: rowSparse)
    let replica = Parameter(name: "p", value: Matrix(rows: rows, cols: cols), isRowSparse: rowSparse)
    replica.shareValues(of: chunked)
    let reference = SGDOptimizer(weightDecay: 0.01, momentum: 0.9)
    let optimizer = SGDOptimizer(weightDecay: 0.01, momentum: 0.9)
    let scale: Float = 0.25
    for step in 0..<6 {
      for row in 0..<rows where !rowSparse || (row + step) % 3 == 0 {
        for p in [plain, chunked] where rowSparse { p.touch(row: row) }
        for j in 0..<cols {
          let g = generator.nextUniform() - 0.5
          plain.gradient[row, j] = g * scale
          chunked.gradient[row, j] = g
        }
      }
      reference.step([plain], learningRate: 0.5)
      optimizer.step([chunked], learningRate: 0.5, gradientScale: scale, threads: 3)
      plain.zeroGradient()
      chunked.zeroGradient()
      #expect(chunked.value == plain.value, "step \(step)")
      #expect(replica.value == plain.value, "step \(step)")
    }
    // The replica's gradient stays its own.
    #expect(replica.gradient.storage.allSatisfy { $0 == 0 })
  }

  /// The 16-lane update and its scalar tail against PyTorch's SGD in Double, with gradient
  /// scaling (clipping), weight decay, momentum on and off, and dense and row-sparse parameters
  /// whose widths are not multiples of 16.
  @Test(arguments: [Float(0), 0.9], [false, true])
  func vectorUpdateMatchesDoubleReference(momentum mu: Float, rowSparse: Bool) {
    let (rows, cols) = (3, 37)
    let lr: Float = 0.3
    let wd: Float = 0.01
    let scale: Float = 0.5
    let start = (0..<(rows * cols)).map { Float(($0 * 7919) % 101) / 50 - 1 }
    let parameter = Parameter(name: "p", value: Matrix(rows: rows, cols: cols, storage: start), isRowSparse: rowSparse)
    let optimizer = SGDOptimizer(weightDecay: wd, momentum: mu)
    var w = start.map(Double.init)
    var m = [Double](repeating: 0, count: w.count)
    for step in 1...3 {
      for i in 0..<(rows * cols) { parameter.gradient.storage[i] = Float((i + step) % 13) / 13 - 0.4 }
      if rowSparse { for row in 0..<rows { parameter.touch(row: row) } }
      let g = parameter.gradient.storage.map(Double.init)
      optimizer.step([parameter], learningRate: lr, gradientScale: scale, threads: 2)
      parameter.zeroGradient()
      for i in w.indices {
        let grad = g[i] * Double(scale) + Double(wd) * w[i]
        if mu != 0 {
          m[i] = Double(mu) * m[i] + grad
          w[i] -= Double(lr) * m[i]
        } else {
          w[i] -= Double(lr) * grad
        }
      }
    }
    for i in w.indices {
      #expect(abs(Double(parameter.value.storage[i]) - w[i]) < 1e-5, "element \(i)")
    }
  }

  /// All parameters update in one parallel region: large ones (dense, and row-sparse with many
  /// touched rows) split into chunks, small ones whole on one chunk in turn. With momentum, its
  /// row catch-ups and a plain rule on one parameter, any thread count must give exactly the
  /// one-thread values, and rows of row-sparse parameters no step touched keep their start; the
  /// gradients it zeroes on the way must be all zero after it.
  @Test(arguments: [2, 3])
  func oneRegionForAllParametersEqualsTheOneThreadStep(threads: Int) {
    let shapes: [(rows: Int, cols: Int, rowSparse: Bool)] = [
      (200, 200, false), (330, 128, true), (1, 37, false), (50, 5, true), (3, 40, false),
    ]
    var generator = SeededGenerator(seed: 21)
    func make() -> [Parameter] {
      shapes.enumerated().map { index, shape in
        var values = SeededGenerator(seed: UInt64(index + 1))
        let start = (0..<(shape.rows * shape.cols)).map { _ in values.nextUniform() - 0.5 }
        return Parameter(
          name: "p\(index)", value: Matrix(rows: shape.rows, cols: shape.cols, storage: start),
          isRowSparse: shape.rowSparse)
      }
    }
    let reference = make()
    let parallel = make()
    let optimizers = [SGDOptimizer(weightDecay: 0.01, momentum: 0.9), SGDOptimizer(weightDecay: 0.01, momentum: 0.9)]
    for optimizer in optimizers {
      optimizer.plainRules["p3"] = SGDOptimizer.PlainRule(learningRateFactor: 2, weightDecay: 0.001)
    }
    var written = Set<[Int]>()
    for step in 0..<4 {
      for (index, shape) in shapes.enumerated() {
        // Writers of a dense gradient zero it first when the last step left it stale.
        if !shape.rowSparse { parallel[index].prepareGradientForAdding() }
        // Rows 5, 16, 27, ... of the row-sparse ones are never touched.
        for row in 0..<shape.rows where !shape.rowSparse || ((row * 7 + step) % 10 != 0 && row % 11 != 5) {
          if shape.rowSparse { written.insert([index, row]) }
          for j in 0..<shape.cols {
            let g = generator.nextUniform() - 0.5
            for p in [reference[index], parallel[index]] {
              if shape.rowSparse { p.touch(row: row) }
              p.gradient[row, j] = g
            }
          }
        }
      }
      #expect(parallel[1].touchedRows.members.count * 128 >= SGDOptimizer.parallelMinimum)
      optimizers[0].step(reference, learningRate: 0.3, gradientScale: 0.7)
      optimizers[1].step(
        parallel, learningRate: 0.3, gradientScale: 0.7, threads: threads, endingGradients: true)
      for p in reference { p.zeroGradient() }
      // The gradients end unwritten: dense ones stale (they still hold this step's values, and
      // count as zero), row-sparse ones with no rows left, and a row that joins again starts
      // from zero.
      for p in parallel where !p.isRowSparse {
        #expect(p.gradientIsStale && p.gradientSquaredNorm == 0 && p.gradient.storage.contains { $0 != 0 })
      }
      for p in parallel where p.isRowSparse {
        #expect(p.touchedRows.members.isEmpty && p.gradient.storage.contains { $0 != 0 })
        p.touch(row: 1)
        #expect((0..<p.gradient.cols).allSatisfy { p.gradient[1, $0] == 0 })
        p.zeroGradient()
      }
      for (a, b) in zip(reference, parallel) { #expect(a.value == b.value, "\(a.name) step \(step)") }
    }
    let start = make()
    var untouched = 0
    for (index, shape) in shapes.enumerated() {
      for row in 0..<shape.rows {
        guard shape.rowSparse && !written.contains([index, row]) else { continue }
        #expect(row % 11 == 5)
        for j in 0..<shape.cols { #expect(parallel[index].value[row, j] == start[index].value[row, j]) }
        untouched += 1
      }
    }
    #expect(untouched == shapes.filter(\.rowSparse).map { ($0.rows + 5) / 11 }.reduce(0, +))
  }
}
