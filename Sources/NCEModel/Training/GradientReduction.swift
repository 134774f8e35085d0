import NCECore

/// Sums the gradients of data-parallel replicas into the trained model's, zeroing the
/// replicas', in the same pass that measures the squared L2 norm of the sum (for clipping).
/// Each parameter's work is split into `threads` fixed contiguous chunks (touched rows of a
/// row-sparse one) and the chunks' partial norms are added in chunk order, so the result
/// depends on the thread count only. All parameters are reduced in one parallel region: a
/// region per parameter cost a thread wake-up each, which on a 1x200 GRU was a tenth of a batch.
enum GradientReduction {
  /// Parameters whose gradient is outside them (the direct features' shared table) are left to
  /// the update (`SGDOptimizer.step(directGradients:)`).
  static func sum(_ replicas: [RNNLanguageModel], into master: RNNLanguageModel, threads: Int) -> Double {
    let reduced = master.parameters.indices.filter { !master.parameters[$0].gradientOutside }
    let targets = reduced.map { master.parameters[$0] }
    let sources = reduced.map { index in replicas.map { $0.parameters[index] } }
    for (index, target) in targets.enumerated() where target.isRowSparse {
      for source in sources[index] { for row in source.touchedRows.members { target.touch(row: Int(row)) } }
    }
    let touched = targets.map { $0.isRowSparse ? $0.touchedRows.members : [] }
    // Shapes read before the storage is borrowed for writing (exclusive access).
    let widths = targets.map(\.gradient.cols)
    let counts = targets.map(\.gradient.count)
    var partials = [Double](repeating: 0, count: targets.count * threads)
    Parameter.withStorage(of: targets[...], .gradient) { targetStorage in
      Parameter.withStorage(of: Array(sources.joined())[...], .gradient) { sourceStorage in
        let replicaCount = replicas.count
        let othersByParameter = targets.indices.map {
          Array(sourceStorage[($0 * replicaCount)..<(($0 + 1) * replicaCount)])
        }
        partials.withUnsafeMutableBufferPointer { out in
          parallelFor(threads, threads: threads) { chunk in
            for index in targets.indices {
              let base = targetStorage[index]
              let others = othersByParameter[index]
              let cols = widths[index]
              var norm = 0.0
              if targets[index].isRowSparse {
                let rows = touched[index]
                for i in (chunk * rows.count / threads)..<((chunk + 1) * rows.count / threads) {
                  norm += VectorMath.accumulate(others, into: base, offset: Int(rows[i]) * cols, count: cols)
                }
              } else {
                let count = counts[index]
                let start = chunk * count / threads
                norm = VectorMath.accumulate(
                  others, into: base, offset: start, count: (chunk + 1) * count / threads - start)
              }
              out[index * threads + chunk] = norm
            }
          }
        }
      }
    }
    var total = 0.0
    for index in targets.indices {
      for source in sources[index] { source.forgetTouchedRows() }
      total += partials[(index * threads)..<((index + 1) * threads)].reduce(0, +)
    }
    return total
  }
}
