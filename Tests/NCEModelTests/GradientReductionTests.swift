import NCECore
import Testing

@testable import NCEModel

@Suite("Gradient reduction")
struct GradientReductionTests {
  /// Untouched rows of row-sparse gradients hold stale values (NaN here, so any read shows):
  /// the reduction must read only touched rows, write the model's rows only replicas touched,
  /// add to the rows the model touched, and give per row exactly the sum of the touching
  /// workers in worker order; dense gradients are added whole and the replicas' zeroed; the
  /// norm is the sum of squares of the result; any thread count gives the same values.
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
        } else {
          for i in 0..<parameter.gradient.count {
            let g = values.nextUniform() - 0.5
            parameter.gradient.storage[i] = g
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
        #expect(parameter.gradient.storage == expected[index], "\(parameter.name)")
        squares += expected[index].reduce(0) { $0 + Double($1 * $1) }
      }
    }
    #expect(abs(norm - squares) <= 1e-5 * squares)
    for replica in replicas {
      for parameter in replica.parameters {
        if parameter.isRowSparse {
          #expect(parameter.touchedRows.members.isEmpty, "\(parameter.name)")
        } else {
          #expect(parameter.gradient.storage.allSatisfy { $0 == 0 }, "\(parameter.name)")
        }
      }
    }
  }
}
