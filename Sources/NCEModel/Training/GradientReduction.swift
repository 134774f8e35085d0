import NCECore

/// Sums the gradients of data-parallel replicas into the trained model's, zeroing the
/// replicas', in the same pass that measures the squared L2 norm of the sum (for clipping:
/// the direct features are summed but not measured, see `Parameter.isClipped(in:)`).
/// Each parameter's work is split into `threads` fixed contiguous chunks (touched rows of a
/// row-sparse one) and the chunks' partial norms are added in chunk order, so the result
/// depends on the thread count only.
enum GradientReduction {
  static func sum(_ replicas: [RNNLanguageModel], into master: RNNLanguageModel, threads: Int) -> Double {
    var total = 0.0
    for (index, target) in master.parameters.enumerated() {
      let sources = replicas.map { $0.parameters[index] }
      if target.isRowSparse {
        for source in sources { for row in source.touchedRows.members { target.touch(row: Int(row)) } }
      }
      let cols = target.gradient.cols
      var partials = [Double](repeating: 0, count: threads)
      Parameter.withStorage(of: sources[...], \.gradient) { others in
        target.gradient.withUnsafeMutableBufferPointer { g in
          partials.withUnsafeMutableBufferPointer { out in
            let base = g.baseAddress!
            if target.isRowSparse {
              let rows = target.touchedRows.members
              parallelFor(threads, threads: threads) { chunk in
                var norm = 0.0
                for i in (chunk * rows.count / threads)..<((chunk + 1) * rows.count / threads) {
                  norm += VectorMath.accumulate(others, into: base, offset: Int(rows[i]) * cols, count: cols)
                }
                out[chunk] = norm
              }
            } else {
              let count = g.count
              parallelFor(threads, threads: threads) { chunk in
                let start = chunk * count / threads
                out[chunk] = VectorMath.accumulate(
                  others, into: base, offset: start, count: (chunk + 1) * count / threads - start)
              }
            }
          }
        }
      }
      for source in sources { source.forgetTouchedRows() }
      if target.isClipped(in: master) { total += partials.reduce(0, +) }
    }
    return total
  }
}

extension Parameter {
  /// Whether the parameter counts in the clipped gradient norm: all but the direct features,
  /// which `SGDOptimizer.PlainRule` updates unclipped.
  func isClipped(in model: RNNLanguageModel) -> Bool { self !== model.output.direct?.weight }
}
