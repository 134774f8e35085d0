import CPrefetch
import NCECore

/// Sums the gradients of data-parallel replicas into the trained model's, in the same pass
/// that measures the squared L2 norm of the sum (for clipping), and ends the replicas'
/// gradients. Each parameter's work is split into `threads` fixed contiguous chunks (touched
/// rows of a row-sparse one) and the chunks' partial norms are added in chunk order, so the
/// result depends on the thread count only. All parameters are reduced in one parallel region:
/// a region per parameter cost a thread wake-up each, which on a 1x200 GRU was a tenth of a batch.
///
/// Row-sparse gradients are read only at their touched rows (`Parameter`: untouched rows may
/// hold an earlier batch's values): a model row gets the sum of the replicas that touched it,
/// added to its own value if the model touched it too and written over it otherwise, and the
/// replicas' rows are left as they are. Dense gradients are added whole, skipping stale ones
/// (`Parameter.endGradient()`, which mean zero): written over the model's when that is stale,
/// and the replicas' end stale, unwritten.
enum GradientReduction {
  /// Parameters whose gradient is outside them (the direct features' shared table) are left to
  /// the update (`SGDOptimizer.step(directGradients:)`).
  static func sum(_ replicas: [RNNLanguageModel], into master: RNNLanguageModel, threads: Int) -> Double {
    let reduced = master.parameters.indices.filter { !master.parameters[$0].gradientOutside }
    let targets = reduced.map { master.parameters[$0] }
    let sources = reduced.map { index in replicas.map { $0.parameters[index] } }
    let replicaCount = replicas.count
    precondition(replicaCount < 64, "at most 64 workers")
    // Per row-sparse parameter: how many of the union's rows are the model's own (the first
    // ones), and per union row the replicas that touched it (bit `s` for replica `s`).
    var ownRows = [Int](repeating: 0, count: targets.count)
    var replicasOfRow = [[UInt64]](repeating: [], count: targets.count)
    for (index, target) in targets.enumerated() where target.isRowSparse {
      ownRows[index] = target.touchedRows.members.count
      var byRow = [UInt64](repeating: 0, count: target.gradient.rows)
      for (s, source) in sources[index].enumerated() {
        let rows = source.touchedRows.members
        for row in rows { byRow[Int(row)] |= 1 << UInt64(s) }
        rows.withUnsafeBufferPointer { target.touchForWriting(rows: $0, joined: nil) }
      }
      replicasOfRow[index] = target.touchedRows.members.map { byRow[Int($0)] }
    }
    let touched = targets.map { $0.isRowSparse ? $0.touchedRows.members : [] }
    // Per dense parameter: the replicas whose gradient holds this step's values (bits), and
    // whether the model's is stale, so that the sum is written over it (`gradientBeta` 0).
    let denseReplicas = sources.map { list in
      list.enumerated().reduce(UInt64(0)) { $0 | ($1.element.gradientIsStale ? 0 : 1 << UInt64($1.offset)) }
    }
    let overwritesDenseTarget = targets.map { !$0.isRowSparse && $0.gradientBeta() == 0 }
    // Shapes read before the storage is borrowed for writing (exclusive access).
    let widths = targets.map(\.gradient.cols)
    let counts = targets.map(\.gradient.count)
    var partials = [Double](repeating: 0, count: targets.count * threads)
    Parameter.withStorage(of: targets[...], .gradient) { targetStorage in
      Parameter.withStorage(of: Array(sources.joined())[...], .gradient) { sourceStorage in
        partials.withUnsafeMutableBufferPointer { out in
          sourceStorage.withUnsafeBufferPointer { allSources in
            parallelFor(threads, threads: threads) { chunk in
              // The replicas whose gradient holds the current row (or dense parameter).
              let chosen = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: max(replicaCount, 1))
              defer { chosen.deallocate() }
              func choose(_ mask: UInt64, from others: UnsafeBufferPointer<UnsafeMutablePointer<Float>>)
                -> UnsafeBufferPointer<UnsafeMutablePointer<Float>>
              {
                var count = 0
                for s in 0..<replicaCount where mask & (1 << UInt64(s)) != 0 {
                  chosen[count] = others[s]
                  count += 1
                }
                return UnsafeBufferPointer(start: chosen, count: count)
              }
              for index in targets.indices {
                let base = targetStorage[index]
                let others = UnsafeBufferPointer(
                  rebasing: allSources[(index * replicaCount)..<((index + 1) * replicaCount)])
                let cols = widths[index]
                var norm = 0.0
                if targets[index].isRowSparse {
                  let own = ownRows[index]
                  touched[index].withUnsafeBufferPointer { rows in
                    replicasOfRow[index].withUnsafeBufferPointer { masks in
                      let end = (chunk + 1) * rows.count / threads
                      for i in (chunk * rows.count / threads)..<end {
                        if i + SGDOptimizer.rowLookahead < end {
                          // Touched rows lie anywhere in the table: ask for a later row's lines now.
                          let ahead = i + SGDOptimizer.rowLookahead
                          let offset = Int(rows[ahead]) * cols
                          nce_prefetch_floats(base + offset, cols, 1)
                          for s in 0..<replicaCount where masks[ahead] & (1 << UInt64(s)) != 0 {
                            nce_prefetch_floats(others[s] + offset, cols, 0)
                          }
                        }
                        norm += VectorMath.accumulate(
                          choose(masks[i], from: others), into: base, offset: Int(rows[i]) * cols, count: cols,
                          overwriting: i >= own, zeroingSources: false)
                      }
                    }
                  }
                } else {
                  let start = chunk * counts[index] / threads
                  norm = VectorMath.accumulate(
                    choose(denseReplicas[index], from: others), into: base, offset: start,
                    count: (chunk + 1) * counts[index] / threads - start, overwriting: overwritesDenseTarget[index],
                    zeroingSources: false)
                }
                out[index * threads + chunk] = norm
              }
            }
          }
        }
      }
    }
    var total = 0.0
    for index in targets.indices {
      for source in sources[index] { source.endGradient() }
      total += partials[(index * threads)..<((index + 1) * threads)].reduce(0, +)
    }
    return total
  }
}
