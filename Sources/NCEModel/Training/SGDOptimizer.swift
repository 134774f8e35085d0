import CPrefetch
import Foundation
import NCECore

/// Stochastic gradient descent as PyTorch's `optim.SGD`: `g += weightDecay * w`;
/// with momentum `buf = momentum * buf + g`, `w -= lr * buf`; otherwise `w -= lr * g`.
/// Row-sparse parameters update only their touched rows, so a step costs O(touched rows), not
/// O(V). With momentum, a dense SGD keeps moving every row by its decaying buffer at every step;
/// a row that was not touched for `n` steps catches up on those `n` moves
/// (`w -= lr·m·μ(1-μⁿ)/(1-μ)`, `m *= μⁿ`) when it is next touched, and `flush` brings every
/// row up to date (the trainer calls it at the end of each epoch). Without this, rarely used
/// embedding and output rows would move about `1/(1-μ)` = 10 times less than in PyTorch.
/// Weight decay is applied to touched rows only.
///
/// `plainRules` names parameters updated by plain SGD instead (the direct features: their own
/// learning rate and L2, no momentum buffer for a table of up to 10^9 weights, and no clipping:
/// each weight's gradient is already bounded by the share of the batch's tokens that use it).
public final class SGDOptimizer {
  public var weightDecay: Float
  public var momentum: Float

  /// Plain SGD for one parameter: `w -= lr · learningRateFactor · (g + weightDecay · w)` on
  /// the touched rows, ignoring `momentum` and the clipping factor.
  public struct PlainRule: Sendable, Equatable {
    /// Multiplies the current learning rate, so the rule follows `--lr-decay`.
    public var learningRateFactor: Float
    public var weightDecay: Float

    public init(learningRateFactor: Float, weightDecay: Float) {
      self.learningRateFactor = learningRateFactor
      self.weightDecay = weightDecay
    }
  }

  /// Parameters (by name) updated by a `PlainRule`.
  public var plainRules: [String: PlainRule] = [:]
  private var momentumBuffers: [String: Matrix] = [:]
  /// For row-sparse parameters: the step at which each row was last brought up to date.
  private var lastStep: [String: [Int]] = [:]
  private var stepCount = 0
  static let lagSuffix = "#lag"
  /// Elements below which a parameter's update runs on one thread.
  static let parallelMinimum = 32_768
  /// Touched rows asked for ahead of the one being updated.
  static let rowLookahead = 4

  public init(weightDecay: Float, momentum: Float) {
    self.weightDecay = weightDecay
    self.momentum = momentum
  }

  /// Momentum buffers by parameter name, plus `<name>#lag` `[rows x 1]` tensors holding how many
  /// steps each row of a row-sparse parameter is behind (exact below 2^24 steps): everything
  /// needed to continue bit for bit after a restore.
  public var buffers: [String: Matrix] {
    var all = momentumBuffers
    for (name, last) in lastStep {
      all[name + Self.lagSuffix] = Matrix(rows: last.count, cols: 1, storage: last.map { Float(stepCount - $0) })
    }
    return all
  }

  public func restore(buffers: [String: Matrix]) {
    momentumBuffers = buffers.filter { !$0.key.hasSuffix(Self.lagSuffix) }
    stepCount = 0
    lastStep = [:]
    for (key, lags) in buffers where key.hasSuffix(Self.lagSuffix) {
      lastStep[String(key.dropLast(Self.lagSuffix.count))] = lags.storage.map { -Int($0) }
    }
  }

  /// Creates the momentum buffers and row lags that `step` would create at its first call for
  /// these parameters (zeros; rows up to date), so that their allocation and first page faults
  /// happen before training rather than inside its first step. Existing ones are kept.
  public func prepare(_ parameters: [Parameter]) {
    guard momentum != 0 else { return }
    for parameter in parameters where !parameter.gradientOutside && plainRules[parameter.name] == nil {
      makeBuffersIfMissing(for: parameter, rowsUpToDateAt: stepCount)
    }
  }

  /// The momentum buffer of `parameter` (zeros) and, if it is row-sparse, its row lags (every
  /// row up to date at step `step`), unless they exist.
  private func makeBuffersIfMissing(for parameter: Parameter, rowsUpToDateAt step: Int) {
    if momentumBuffers[parameter.name] == nil {
      momentumBuffers[parameter.name] = Matrix(rows: parameter.value.rows, cols: parameter.value.cols)
    }
    if parameter.isRowSparse && lastStep[parameter.name] == nil {
      lastStep[parameter.name] = [Int](repeating: step, count: parameter.value.rows)
    }
  }

  /// Applies the moves every row of the row-sparse parameters still owes (see the type's doc).
  public func flush(_ parameters: [Parameter], learningRate lr: Float) {
    guard momentum != 0 else { return }
    prepareMomentumPowers()
    for parameter in parameters where parameter.isRowSparse {
      guard var last = lastStep[parameter.name], var buffer = momentumBuffers.removeValue(forKey: parameter.name) else {
        continue
      }
      let cols = parameter.value.cols
      parameter.value.withUnsafeMutableBufferPointer { w in
        buffer.withUnsafeMutableBufferPointer { m in
          for row in 0..<last.count where last[row] < stepCount {
            catchUp(
              w.baseAddress! + row * cols, m.baseAddress! + row * cols, cols, steps: stepCount - last[row], lr: lr)
            last[row] = stepCount
          }
        }
      }
      lastStep[parameter.name] = last
      momentumBuffers[parameter.name] = buffer
    }
  }

  /// `μⁿ` for the small lags most rows have (`Foundation.pow` per touched row cost a tenth of
  /// a step with per-word noise), rebuilt when `momentum` changes; the same values `pow` gives.
  private var momentumPowers: (momentum: Float, powers: [Float]) = (0, [])

  private func momentumPower(_ steps: Int) -> Float {
    let powers = momentumPowers.powers
    return steps < powers.count ? powers[steps] : Float(Foundation.pow(Double(momentum), Double(steps)))
  }

  private func prepareMomentumPowers() {
    guard momentumPowers.momentum != momentum || momentumPowers.powers.isEmpty else { return }
    momentumPowers = (momentum, (0..<256).map { Float(Foundation.pow(Double(momentum), Double($0))) })
  }

  /// The closed form of `steps` momentum-only moves: `w -= move · m`, `m *= decay`.
  @inline(__always)
  private func catchUpFactors(steps: Int, lr: Float) -> (move: Float, decay: Float) {
    let decay = momentumPower(steps)
    return (lr * momentum * (1 - decay) / (1 - momentum), decay)
  }

  /// `steps` momentum-only moves of one row, in closed form.
  @inline(__always)
  private func catchUp(
    _ w: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ count: Int, steps: Int, lr: Float
  ) {
    let (move, decay) = catchUpFactors(steps: steps, lr: lr)
    var i = 0
    let rw = UnsafeMutableRawPointer(w)
    let rm = UnsafeMutableRawPointer(m)
    while i + 16 <= count {
      let mv = rm.loadUnaligned(fromByteOffset: i * 4, as: VectorMath.Lanes.self)
      let wv = rw.loadUnaligned(fromByteOffset: i * 4, as: VectorMath.Lanes.self)
      rw.storeBytes(of: wv - move * mv, toByteOffset: i * 4, as: VectorMath.Lanes.self)
      rm.storeBytes(of: mv * decay, toByteOffset: i * 4, as: VectorMath.Lanes.self)
      i += 16
    }
    while i < count {
      w[i] -= move * m[i]
      m[i] *= decay
      i += 1
    }
  }

  /// The factor that brings a gradient of L2 norm `norm` down to `maxNorm` (1 when it is
  /// already within, or `maxNorm <= 0`).
  public static func clipFactor(norm: Double, maxNorm: Float) -> Float {
    maxNorm > 0 && norm > Double(maxNorm) ? Float(Double(maxNorm) / (norm + 1e-6)) : 1
  }

  /// One update with gradients `gradientScale * gradient` (the clipping factor, applied on the
  /// fly). Data-parallel replicas read the same values (`Parameter.shareValues(of:)`), so the
  /// update writes each weight once. All parameters update in one parallel region of
  /// `threads` chunks (a region costs a thread wake-up): a large parameter is split into
  /// `threads` fixed contiguous chunks (rows of a row-sparse one), a small one goes whole to one
  /// chunk, in turn. Elements and rows are independent, so results do not depend on `threads`
  /// or on scheduling. With `endingGradients` the gradients end with the step without being
  /// written (`Parameter.endGradient()`: the next writer overwrites or zeroes them), instead of
  /// one more write pass over every updated element. A stale dense gradient (no writer since
  /// the last step) counts as zero.
  ///
  /// `directGradients`: the workers' gradients of the direct-feature table (the parameter whose
  /// gradient is outside it, `Parameter.gradientOutside`, shared by the replicas), in worker
  /// order; summed in that order and applied by its `PlainRule` in one pass
  /// (`DirectGradient.applySGD`), then reset.
  public func step(
    _ parameters: [Parameter], learningRate lr: Float, gradientScale: Float = 1,
    directGradients: [DirectGradient] = [], threads: Int = 1, endingGradients: Bool = false
  ) {
    var parameters = parameters
    for parameter in parameters where !parameter.isRowSparse { parameter.prepareGradientForAdding() }
    for index in parameters.indices.reversed() where parameters[index].gradientOutside {
      let parameter = parameters[index]
      let rule = plainRules[parameter.name] ?? PlainRule(learningRateFactor: 1, weightDecay: weightDecay)
      parameter.value.withUnsafeMutableBufferPointer { w in
        DirectGradient.applySGD(
          directGradients, to: w.baseAddress!, learningRate: lr * rule.learningRateFactor, l2: rule.weightDecay,
          threads: threads)
      }
      parameters.remove(at: index)
    }
    stepCount += 1
    if momentum != 0 { prepareMomentumPowers() }
    let stepCount = self.stepCount
    // Momentum buffers and row lags leave the dictionaries for the region (so their storage is
    // held once and written in place) and return after it; empty for parameters without momentum.
    var buffers: [[Float]] = []
    var lags: [[Int]] = []
    var settings: [(lr: Float, weightDecay: Float, momentum: Float, gradientScale: Float)] = []
    for parameter in parameters {
      let rule = plainRules[parameter.name]
      let momentum = rule == nil ? self.momentum : 0
      settings.append(
        (
          lr * (rule?.learningRateFactor ?? 1), rule?.weightDecay ?? weightDecay, momentum,
          rule == nil ? gradientScale : 1
        ))
      if momentum != 0 { makeBuffersIfMissing(for: parameter, rowsUpToDateAt: stepCount - 1) }
      lags.append(momentum != 0 && parameter.isRowSparse ? lastStep.removeValue(forKey: parameter.name)! : [])
      buffers.append(momentum != 0 ? momentumBuffers.removeValue(forKey: parameter.name)!.storage : [])
    }
    let rows = parameters.map { $0.isRowSparse ? $0.touchedRows.members : [] }
    let widths = parameters.map(\.value.cols)
    // Chunks per parameter: 1 below `parallelMinimum` elements (a few touched rows, biases),
    // where splitting costs more than it saves; `owner` is the chunk that updates such a one.
    let counts = parameters.map(\.value.count)
    let chunks = parameters.indices.map { index in
      (parameters[index].isRowSparse ? rows[index].count * widths[index] : counts[index]) >= Self.parallelMinimum
        ? threads : 1
    }
    var owner = [Int](repeating: 0, count: parameters.count)
    var nextOwner = 0
    for index in parameters.indices where chunks[index] == 1 {
      owner[index] = nextOwner
      nextOwner = (nextOwner + 1) % max(threads, 1)
    }
    Parameter.withStorage(of: parameters[...], .value) { values in
      Parameter.withStorage(of: parameters[...], .gradient) { gradients in
        Self.withBaseAddresses(&buffers) { momentumStorage in
          Self.withBaseAddresses(&lags) { lagStorage in
            let kernels = parameters.indices.map { index in
              UpdateKernel(
                w: values[index], g: gradients[index], m: momentumStorage[index],
                lr: settings[index].lr,
                weightDecay: settings[index].weightDecay, momentum: settings[index].momentum,
                gradientScale: settings[index].gradientScale)
            }
            parallelFor(threads, threads: threads) { chunk in
              for index in parameters.indices {
                let parts = chunks[index]
                guard parts > 1 || owner[index] == chunk else { continue }
                let part = parts > 1 ? chunk : 0
                let kernel = kernels[index]
                let cols = widths[index]
                if parameters[index].isRowSparse {
                  let touched = rows[index]
                  let end = (part + 1) * touched.count / parts
                  for i in (part * touched.count / parts)..<end {
                    if i + Self.rowLookahead < end {
                      // Touched rows lie anywhere in the table: ask for a later row's lines now.
                      let next = Int(touched[i + Self.rowLookahead])
                      nce_prefetch_floats(kernel.w + next * cols, cols, 1)
                      nce_prefetch_floats(kernel.g + next * cols, cols, 0)
                      if let m = kernel.m { nce_prefetch_floats(m + next * cols, cols, 1) }
                      if let lastRow = lagStorage[index] { nce_prefetch_write(lastRow + next) }
                    }
                    let r = Int(touched[i])
                    if kernel.momentum != 0, let lastRow = lagStorage[index] {
                      let behind = stepCount - 1 - lastRow[r]
                      lastRow[r] = stepCount
                      if behind > 0 {
                        // The row's momentum-only moves and this step's, in one pass over it.
                        let (move, decay) = self.catchUpFactors(steps: behind, lr: kernel.lr)
                        kernel.update(r * cols, cols, catchingUp: (move, decay))
                        continue
                      }
                    }
                    kernel.update(r * cols, cols)
                  }
                } else {
                  let count = counts[index]
                  let start = part * count / parts
                  kernel.update(start, (part + 1) * count / parts - start)
                }
              }
            }
          }
        }
      }
    }
    if endingGradients { for parameter in parameters { parameter.endGradient() } }
    for (index, parameter) in parameters.enumerated() where settings[index].momentum != 0 {
      momentumBuffers[parameter.name] = Matrix(
        rows: parameter.value.rows, cols: parameter.value.cols, storage: buffers[index])
      if parameter.isRowSparse { lastStep[parameter.name] = lags[index] }
    }
  }

  /// Calls `body` with the base address of each array's storage (nil for an empty one), in
  /// order. Each array is out of `arrays` meanwhile, so its storage is written in place.
  private static func withBaseAddresses<T, R>(
    _ arrays: inout [[T]], collected: [UnsafeMutablePointer<T>?] = [], _ body: ([UnsafeMutablePointer<T>?]) -> R
  ) -> R {
    guard var last = arrays.popLast() else { return body(collected) }
    let result = last.withUnsafeMutableBufferPointer {
      withBaseAddresses(&arrays, collected: [$0.baseAddress] + collected, body)
    }
    arrays.append(last)
    return result
  }
}

/// The element-wise SGD update of one parameter on raw storage, shared by every chunk.
private struct UpdateKernel: @unchecked Sendable {
  let w: UnsafeMutablePointer<Float>
  let g: UnsafeMutablePointer<Float>
  let m: UnsafeMutablePointer<Float>?
  let lr: Float, weightDecay: Float, momentum: Float, gradientScale: Float

  /// Elements `start ..< start + count`: `grad = scale g + wd w`; with momentum
  /// `m = μ m + grad`, `w -= lr m`, else `w -= lr grad`. 16 lanes at a time (the pointers may
  /// alias as far as the compiler knows, so the scalar loop stayed scalar), with the same
  /// operations in the same order as the scalar tail. `catchingUp` first applies a row's
  /// momentum-only moves (`SGDOptimizer.catchUp`'s `w -= move m`, `m *= decay`) in the same
  /// pass, with the same operations as that function.
  @inline(__always)
  func update(_ start: Int, _ count: Int, catchingUp: (move: Float, decay: Float)? = nil) {
    let wd = weightDecay
    let mu = momentum
    let scale = gradientScale
    typealias Lanes = VectorMath.Lanes
    let end = start + count
    var first = start
    let rw = UnsafeMutableRawPointer(w)
    let rg = UnsafeRawPointer(g)
    if let m, mu != 0 {
      let rm = UnsafeMutableRawPointer(m)
      if let (move, decay) = catchingUp {
        while first + 16 <= end {
          let offset = first * 4
          let m0 = rm.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
          let wv = rw.loadUnaligned(fromByteOffset: offset, as: Lanes.self) - move * m0
          let grad = rg.loadUnaligned(fromByteOffset: offset, as: Lanes.self) * scale + wd * wv
          let mv = mu * (m0 * decay) + grad
          rm.storeBytes(of: mv, toByteOffset: offset, as: Lanes.self)
          rw.storeBytes(of: wv - lr * mv, toByteOffset: offset, as: Lanes.self)
          first += 16
        }
        for i in first..<end {
          w[i] -= move * m[i]
          m[i] *= decay
          let grad = g[i] * scale + wd * w[i]
          m[i] = mu * m[i] + grad
          w[i] -= lr * m[i]
        }
        return
      }
      while first + 16 <= end {
        let offset = first * 4
        let wv = rw.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
        let grad = rg.loadUnaligned(fromByteOffset: offset, as: Lanes.self) * scale + wd * wv
        let mv = mu * rm.loadUnaligned(fromByteOffset: offset, as: Lanes.self) + grad
        rm.storeBytes(of: mv, toByteOffset: offset, as: Lanes.self)
        rw.storeBytes(of: wv - lr * mv, toByteOffset: offset, as: Lanes.self)
        first += 16
      }
      for i in first..<end {
        let grad = g[i] * scale + wd * w[i]
        m[i] = mu * m[i] + grad
        w[i] -= lr * m[i]
      }
    } else {
      while first + 16 <= end {
        let offset = first * 4
        let wv = rw.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
        let grad = rg.loadUnaligned(fromByteOffset: offset, as: Lanes.self) * scale + wd * wv
        rw.storeBytes(of: wv - lr * grad, toByteOffset: offset, as: Lanes.self)
        first += 16
      }
      for i in first..<end {
        w[i] -= lr * (g[i] * scale + wd * w[i])
      }
    }
  }
}
