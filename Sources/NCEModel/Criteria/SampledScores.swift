import CPrefetch
import NCECore

/// Scores `s(w, h_i) = h_i · W[w] + b[w]` of each row's target and of its `k` noise words, and
/// the backward pass that turns gradient coefficients on those scores into gradients of the
/// hidden vectors and of the touched output rows. The criteria fill the coefficients.
///
/// Shared noise (batched): the `k` noise rows of `W` are gathered into a contiguous `[k x E]`
/// block, the noise scores are one GEMM `[N x E] x [E x k]`, and the backward pass is two GEMMs
/// (`[N x k] x [k x E]` for the hidden gradient, `[k x N] x [N x E]` for the noise rows) whose
/// `k` rows are then scatter-added into `W`'s gradient (repeated ids accumulate).
/// Per-row noise: `N k` dot products and `2 N k` axpys of length `E` on the rows of `W` in place.
/// Targets always cost `N` dots and `2 N` axpys. Direct features (`output.direct`) add one
/// lookup per order to every score and one scatter-add per order to its gradient.
/// All scratch is kept and reused across batches.
struct SampledScores {
  /// `N`.
  private(set) var rows = 0
  /// `k`.
  private(set) var noiseCount = 0
  /// `s(t_i, h_i)`, `N` values.
  private(set) var targetScores: [Float] = []
  /// `s(n_ij, h_i)`, `[N x k]`.
  private(set) var noiseScores = Matrix(rows: 0, cols: 0)
  /// `d(scale · loss) / d targetScores`: zeroed by `computeScores`, accumulated by criteria.
  var targetGradient: [Float] = []
  /// `d(scale · loss) / d noiseScores`, `[N x k]`: zeroed by `computeScores`.
  var noiseGradient = Matrix(rows: 0, cols: 0)
  /// `k` floats of free scratch for the criteria's row kernels.
  var rowScratch: [Float] = []
  private var noiseWeights = Matrix(rows: 0, cols: 0)  // [k x E], shared layout only
  private var noiseWeightGradient = Matrix(rows: 0, cols: 0)  // [k x E], shared layout only
  /// Per pair, whether it is the first to write its output row's gradient (per-row layout only).
  private var weightRowJoined: [Bool] = []
  private var biasRowJoined: [Bool] = []

  init() {}

  /// Computes `targetScores` and `noiseScores`, and zeroes the gradient coefficients.
  /// - Parameters: `hidden` `[N x E]`, `targets` `N` ids, `noise` shared or `N`-row ids.
  mutating func computeScores(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw, output: OutputLayer,
    direct: DirectRows? = nil
  ) {
    output.checkDirect(direct, count: targets.count)
    let n = hidden.rows
    let k = noise.count
    let e = output.size
    precondition(hidden.cols == e && targets.count == n && n > 0 && k > 0)
    rows = n
    noiseCount = k
    resize(&targetScores, n)
    resize(&targetGradient, n)
    resize(&rowScratch, k)
    targetGradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    noiseGradient.resize(rows: n, cols: k)
    noiseScores.resize(rows: n, cols: k, zero: false)
    hidden.withUnsafeBufferPointer { h in
      output.weight.value.withUnsafeBufferPointer { w in
        output.bias.value.withUnsafeBufferPointer { b in
          targetScores.withUnsafeMutableBufferPointer { s in
            Self.prefetchRows(of: w.baseAddress!, width: e, ids: targets.baseAddress!, 0..<min(Self.rowLookahead, n))
            for i in 0..<n {
              Self.prefetchRow(of: w.baseAddress!, width: e, ids: targets.baseAddress!, i + Self.rowLookahead, below: n)
              let t = Int(targets[i])
              s[i] = VectorMath.dot(h.baseAddress! + i * e, w.baseAddress! + t * e, count: e) + b[t]
            }
          }
        }
      }
    }
    if noise.isPerRow {
      scorePerRow(hidden: hidden, noise: noise, output: output)
    } else {
      scoreShared(hidden: hidden, noise: noise, output: output)
    }
    if let features = output.direct, let direct { addDirectScores(features, direct, targets: targets, noise: noise) }
  }

  /// Adds the direct scores of every target and noise word: one lookup per order and word.
  private mutating func addDirectScores(
    _ features: DirectFeatures, _ rows: DirectRows, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw
  ) {
    let n = self.rows
    let k = noiseCount
    let stride = noise.rowStride
    rows.bases.withUnsafeBufferPointer { b in
      features.weight.value.withUnsafeBufferPointer { d in
        noise.ids.withUnsafeBufferPointer { ids in
          targetScores.withUnsafeMutableBufferPointer { ts in
            noiseScores.withUnsafeMutableBufferPointer { ns in
              var ahead = SampledFeaturePrefetcher(
                features: features, targets: targets, noise: ids.baseAddress!, noiseCount: k, noiseRowStride: stride,
                bases: b.baseAddress!, table: d.baseAddress!, forWriting: false)
              for i in 0..<n {
                ahead.advance()
                ts[i] += features.score(row: i, word: targets[i], bases: b.baseAddress!, weights: d.baseAddress!)
                let rowIds = ids.baseAddress! + i * stride
                let s = ns.baseAddress! + i * k
                for j in 0..<k {
                  ahead.advance()
                  s[j] += features.score(row: i, word: rowIds[j], bases: b.baseAddress!, weights: d.baseAddress!)
                }
              }
            }
          }
        }
      }
    }
  }

  /// Adds the score gradient coefficients of every target and noise word to the gradient of
  /// its direct features, touching them.
  private func backwardDirect(
    _ features: DirectFeatures, _ rows: DirectRows, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw
  ) {
    let n = self.rows
    let k = noiseCount
    let stride = noise.rowStride
    rows.bases.withUnsafeBufferPointer { b in
      noise.ids.withUnsafeBufferPointer { ids in
        targetGradient.withUnsafeBufferPointer { tg in
          noiseGradient.withUnsafeBufferPointer { ng in
            var ahead = SampledFeaturePrefetcher(
              features: features, targets: targets, noise: ids.baseAddress!, noiseCount: k, noiseRowStride: stride,
              bases: b.baseAddress!, table: features.gradient.tableAddress, forWriting: true)
            for i in 0..<n {
              ahead.advance()
              features.accumulate(row: i, word: targets[i], coefficient: tg[i], bases: b.baseAddress!)
              let rowIds = ids.baseAddress! + i * stride
              let c = ng.baseAddress! + i * k
              for j in 0..<k {
                ahead.advance()
                features.accumulate(row: i, word: rowIds[j], coefficient: c[j], bases: b.baseAddress!)
              }
            }
          }
        }
      }
    }
  }

  private mutating func scoreShared(hidden: Matrix, noise: NoiseDraw, output: OutputLayer) {
    let k = noise.count
    let e = output.size
    noiseWeights.resize(rows: k, cols: e, zero: false)
    output.weight.value.withUnsafeBufferPointer { w in
      noiseWeights.withUnsafeMutableBufferPointer { block in
        noise.ids.withUnsafeBufferPointer { ids in
          for j in 0..<k {
            (block.baseAddress! + j * e).update(from: w.baseAddress! + Int(ids[j]) * e, count: e)
          }
        }
      }
    }
    BLAS.gemm(hidden, noiseWeights, transB: true, into: &noiseScores)
    let n = hidden.rows
    output.bias.value.withUnsafeBufferPointer { b in
      noise.ids.withUnsafeBufferPointer { ids in
        noiseScores.withUnsafeMutableBufferPointer { s in
          for i in 0..<n {
            let row = s.baseAddress! + i * k
            for j in 0..<k { row[j] += b[Int(ids[j])] }
          }
        }
      }
    }
  }

  private mutating func scorePerRow(hidden: Matrix, noise: NoiseDraw, output: OutputLayer) {
    let n = hidden.rows
    let k = noise.count
    let e = output.size
    hidden.withUnsafeBufferPointer { h in
      output.weight.value.withUnsafeBufferPointer { w in
        output.bias.value.withUnsafeBufferPointer { b in
          noise.ids.withUnsafeBufferPointer { ids in
            noiseScores.withUnsafeMutableBufferPointer { s in
              let pairs = n * k
              Self.prefetchRows(of: w.baseAddress!, width: e, ids: ids.baseAddress!, 0..<min(Self.rowLookahead, pairs))
              for i in 0..<n {
                let hi = h.baseAddress! + i * e
                for j in 0..<k {
                  let pair = i * k + j
                  Self.prefetchRow(
                    of: w.baseAddress!, width: e, ids: ids.baseAddress!, pair + Self.rowLookahead, below: pairs)
                  let word = Int(ids[pair])
                  s[pair] = VectorMath.dot(hi, w.baseAddress! + word * e, count: e) + b[word]
                }
              }
            }
          }
        }
      }
    }
  }

  /// Applies the chain rule through the scores: adds to the gradients of the target and noise
  /// rows of `W` and `b` (touching those rows) and returns `d(scale · loss) / d hidden`, `[N x E]`.
  /// `hidden`, `targets` and `noise` must be those given to `computeScores`.
  mutating func backward(
    hidden: Matrix, targets: UnsafeBufferPointer<Int32>, noise: NoiseDraw, output: OutputLayer,
    direct: DirectRows? = nil
  ) -> Matrix {
    if let features = output.direct, let direct { backwardDirect(features, direct, targets: targets, noise: noise) }
    let n = rows
    let e = output.size
    var gradHidden = Matrix(rows: n, cols: e)
    if noise.isPerRow {
      backwardPerRow(hidden: hidden, noise: noise, output: output, into: &gradHidden)
    } else {
      backwardShared(hidden: hidden, noise: noise, output: output, into: &gradHidden)
    }
    let weight = output.weight
    let bias = output.bias
    weight.touch(rows: targets)
    bias.touch(rows: targets)
    hidden.withUnsafeBufferPointer { h in
      weight.value.withUnsafeBufferPointer { w in
        weight.gradient.withUnsafeMutableBufferPointer { dw in
          bias.gradient.withUnsafeMutableBufferPointer { db in
            targetGradient.withUnsafeBufferPointer { g in
              gradHidden.withUnsafeMutableBufferPointer { dh in
                let ahead = Self.rowLookahead
                Self.prefetchRows(of: w.baseAddress!, width: e, ids: targets.baseAddress!, 0..<min(ahead, n))
                Self.prefetchRows(
                  of: dw.baseAddress!, width: e, ids: targets.baseAddress!, 0..<min(ahead, n), forWriting: true)
                for i in 0..<n {
                  Self.prefetchRow(of: w.baseAddress!, width: e, ids: targets.baseAddress!, i + ahead, below: n)
                  Self.prefetchRow(
                    of: dw.baseAddress!, width: e, ids: targets.baseAddress!, i + ahead, below: n, forWriting: true)
                  let t = Int(targets[i])
                  VectorMath.addScaled(g[i], w.baseAddress! + t * e, to: dh.baseAddress! + i * e, count: e)
                  VectorMath.addScaled(g[i], h.baseAddress! + i * e, to: dw.baseAddress! + t * e, count: e)
                  db[t] += g[i]
                }
              }
            }
          }
        }
      }
    }
    return gradHidden
  }

  private mutating func backwardShared(
    hidden: Matrix, noise: NoiseDraw, output: OutputLayer, into gradHidden: inout Matrix
  ) {
    let n = rows
    let k = noiseCount
    let e = output.size
    BLAS.gemm(noiseGradient, noiseWeights, into: &gradHidden)
    BLAS.gemm(noiseGradient, transA: true, hidden, into: &noiseWeightGradient)
    let weight = output.weight
    let bias = output.bias
    noise.ids.withUnsafeBufferPointer { ids in
      weight.touch(rows: ids)
      bias.touch(rows: ids)
      noiseWeightGradient.withUnsafeBufferPointer { block in
        weight.gradient.withUnsafeMutableBufferPointer { dw in
          for j in 0..<k {
            let word = Int(ids[j])
            VectorMath.addScaled(1, block.baseAddress! + j * e, to: dw.baseAddress! + word * e, count: e)
          }
        }
      }
      noiseGradient.withUnsafeBufferPointer { g in
        bias.gradient.withUnsafeMutableBufferPointer { db in
          for i in 0..<n {
            let row = g.baseAddress! + i * k
            for j in 0..<k { db[Int(ids[j])] += row[j] }
          }
        }
      }
    }
  }

  /// A row's first pair writes its gradient rows (`Parameter.touchForWriting`), later pairs
  /// add to them.
  private mutating func backwardPerRow(
    hidden: Matrix, noise: NoiseDraw, output: OutputLayer, into gradHidden: inout Matrix
  ) {
    let n = rows
    let k = noiseCount
    let e = output.size
    let weight = output.weight
    let bias = output.bias
    resize(&weightRowJoined, n * k, filler: false)
    resize(&biasRowJoined, n * k, filler: false)
    noise.ids.withUnsafeBufferPointer { ids in
      let pairs = UnsafeBufferPointer(rebasing: ids[0..<(n * k)])
      weightRowJoined.withUnsafeMutableBufferPointer { weight.touchForWriting(rows: pairs, joined: $0.baseAddress!) }
      biasRowJoined.withUnsafeMutableBufferPointer { bias.touchForWriting(rows: pairs, joined: $0.baseAddress!) }
    }
    let weightJoined = weightRowJoined
    let biasJoined = biasRowJoined
    hidden.withUnsafeBufferPointer { h in
      weight.value.withUnsafeBufferPointer { w in
        weight.gradient.withUnsafeMutableBufferPointer { dw in
          bias.gradient.withUnsafeMutableBufferPointer { db in
            noise.ids.withUnsafeBufferPointer { ids in
              noiseGradient.withUnsafeBufferPointer { g in
                gradHidden.withUnsafeMutableBufferPointer { dh in
                  weightJoined.withUnsafeBufferPointer { firstOfWeightRow in
                    biasJoined.withUnsafeBufferPointer { firstOfBiasRow in
                      let pairs = n * k
                      let ahead = Self.rowLookahead
                      Self.prefetchRows(of: w.baseAddress!, width: e, ids: ids.baseAddress!, 0..<min(ahead, pairs))
                      Self.prefetchRows(
                        of: dw.baseAddress!, width: e, ids: ids.baseAddress!, 0..<min(ahead, pairs), forWriting: true)
                      for i in 0..<n {
                        let hi = h.baseAddress! + i * e
                        let dhi = dh.baseAddress! + i * e
                        for j in 0..<k {
                          let pair = i * k + j
                          Self.prefetchRow(
                            of: w.baseAddress!, width: e, ids: ids.baseAddress!, pair + ahead, below: pairs)
                          Self.prefetchRow(
                            of: dw.baseAddress!, width: e, ids: ids.baseAddress!, pair + ahead, below: pairs,
                            forWriting: true)
                          let word = Int(ids[pair])
                          let coefficient = g[pair]
                          VectorMath.addScaled(coefficient, w.baseAddress! + word * e, to: dhi, count: e)
                          if firstOfWeightRow[pair] {
                            VectorMath.setScaled(coefficient, hi, to: dw.baseAddress! + word * e, count: e)
                          } else {
                            VectorMath.addScaled(coefficient, hi, to: dw.baseAddress! + word * e, count: e)
                          }
                          if firstOfBiasRow[pair] { db[word] = coefficient } else { db[word] += coefficient }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Output rows asked for ahead of the row being scored or updated: each is 13 cache lines at
  /// E = 200, and the rows of a batch's words are spread over the whole `[V x E]` matrix.
  static let rowLookahead = 8

  /// Prefetches the rows `ids[r]` of `matrix` for `r` in `range` (a loop's first rows).
  private static func prefetchRows(
    of matrix: UnsafePointer<Float>, width: Int, ids: UnsafePointer<Int32>, _ range: Range<Int>,
    forWriting: Bool = false
  ) {
    for r in range {
      prefetchRow(of: matrix, width: width, ids: ids, r, below: range.upperBound, forWriting: forWriting)
    }
  }

  /// Prefetches row `ids[r]` of `matrix` if `r < count`: inside a loop over `count` rows, the
  /// row `rowLookahead` iterations ahead.
  @inline(__always)
  private static func prefetchRow(
    of matrix: UnsafePointer<Float>, width: Int, ids: UnsafePointer<Int32>, _ r: Int, below count: Int,
    forWriting: Bool = false
  ) {
    guard r < count else { return }
    nce_prefetch_floats(matrix + Int(ids[r]) * width, width, forWriting ? 1 : 0)
  }

  private func resize<Element>(_ array: inout [Element], _ count: Int, filler: Element) {
    if array.count > count {
      array.removeLast(array.count - count)
    } else if array.count < count {
      array.append(contentsOf: repeatElement(filler, count: count - array.count))
    }
  }

  private func resize(_ array: inout [Float], _ count: Int) { resize(&array, count, filler: 0) }
}
