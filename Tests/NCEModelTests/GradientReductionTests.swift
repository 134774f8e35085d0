import NCECore
import Testing

@testable import NCEModel

@Suite("Gradient reduction")
struct GradientReductionTests {
  /// Untouched rows of row-sparse gradients and stale dense gradients hold an earlier step's
  /// values (NaN here, so any read shows): the reduction must read only touched rows and
  /// gradients that hold this step's values, write the model's rows (or dense gradient) that
  /// only replicas hold, add to the ones the model holds, and give exactly the sum of the
  /// holding workers in worker order; the replicas' gradients end (rows forgotten, dense ones
  /// stale); the norm is the sum of squares of the result; any thread count gives the same
  /// values.
  @Test(arguments: [1, 2, 3])
  func staleRowsAreNeverReadAndTouchedRowsAreSummed(threads: Int) {
    var config = ModelConfig(vocabularySize: 40)
    config.embeddingSize = 20
    config.hiddenSize = 20
    config.layers = 1
    config.cell = .gru
    var rng = SeededGenerator(seed: 5)
    let model = RNNLanguageModel(config: config, using: &rng)
    let replicas = [RNNLanguageModel(replicaOf: model), RNNLanguageModel(replicaOf: model)]
    let workers = [model] + replicas
    var values = SeededGenerator(seed: 9)
    // Per worker and parameter, the rows it touched (row-sparse) and the values it wrote.
    var expected: [[Float]] = model.parameters.map { [Float](repeating: 0, count: $0.gradient.count) }
    var touchedAnywhere: [Set<Int>] = model.parameters.map { _ in [] }
    for (w, worker) in workers.enumerated() {
      for (index, parameter) in worker.parameters.enumerated() {
        let cols = parameter.gradient.cols
        if parameter.isRowSparse {
          parameter.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
          // Worker-dependent rows, in an order that is not sorted; rows 0, 26 and 39 for every
          // worker, rows 6, 13, 20, 27 and 34 for none.
          let rows = (0..<parameter.gradient.rows).filter {
            $0 % 7 != 6 && (($0 * (w + 3) + index) % 5 < 2 || $0 % 13 == 0)
          }.reversed()
          for row in rows {
            parameter.touch(row: row)
            touchedAnywhere[index].insert(row)
            for j in 0..<cols {
              let g = values.nextUniform() - 0.5
              parameter.gradient[row, j] += g
              expected[index][row * cols + j] += g
            }
          }
        } else if Self.isStale(worker: w, parameter: index) {
          // An ended step's gradient (NaN here, so any read shows): it counts as zero.
          parameter.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
          parameter.endGradient()
        } else {
          parameter.prepareGradientForAdding()
          for i in 0..<parameter.gradient.count {
            let g = values.nextUniform() - 0.5
            parameter.gradient.storage[i] += g
            expected[index][i] += g
          }
        }
      }
    }
    let norm = GradientReduction.sum(replicas, into: model, threads: threads)
    var squares = 0.0
    for (index, parameter) in model.parameters.enumerated() {
      let cols = parameter.gradient.cols
      if parameter.isRowSparse {
        #expect(Set(parameter.touchedRows.members.map(Int.init)) == touchedAnywhere[index], "\(parameter.name)")
        #expect(touchedAnywhere[index].count < parameter.gradient.rows, "\(parameter.name): some rows untouched")
        for row in touchedAnywhere[index] {
          for j in 0..<cols {
            #expect(parameter.gradient[row, j] == expected[index][row * cols + j], "\(parameter.name) [\(row), \(j)]")
            squares += Double(expected[index][row * cols + j] * expected[index][row * cols + j])
          }
        }
      } else {
        #expect(!parameter.gradientIsStale && parameter.gradient.storage == expected[index], "\(parameter.name)")
        squares += expected[index].reduce(0) { $0 + Double($1 * $1) }
      }
    }
    #expect(abs(norm - squares) <= 1e-5 * squares)
    for replica in replicas {
      for parameter in replica.parameters {
        if parameter.isRowSparse {
          #expect(parameter.touchedRows.members.isEmpty, "\(parameter.name)")
        } else {
          #expect(parameter.gradientIsStale, "\(parameter.name)")
        }
      }
    }
    // The dense cases met: the model's stale (written over), a replica's stale (skipped), all
    // stale (zero), none stale.
    let dense = model.parameters.indices.filter { !model.parameters[$0].isRowSparse }
    #expect(dense.contains { p in (0..<3).allSatisfy { Self.isStale(worker: $0, parameter: p) } })
    #expect(dense.contains { p in (0..<3).allSatisfy { !Self.isStale(worker: $0, parameter: p) } })
    #expect(dense.contains { Self.isStale(worker: 0, parameter: $0) && !Self.isStale(worker: 1, parameter: $0) })
    #expect(dense.contains { !Self.isStale(worker: 0, parameter: $0) && Self.isStale(worker: 2, parameter: $0) })
  }

  /// Which workers' dense gradients hold an ended step's values in the test above.
  static func isStale(worker: Int, parameter index: Int) -> Bool {
    (worker == 0 && index % 3 == 1) || (worker == 2 && index % 2 == 0) || (worker == 1 && index % 6 == 4)
  }
}
