import NCECore

/// One data-parallel worker: a model replica with its own gradients, activations, criterion
/// and recurrent state. Worker 0 holds the trained model itself; the others hold copies whose
/// gradients are summed into it before each update and whose weights are refreshed after it.
final class TrainingWorker {
  let model: RNNLanguageModel
  var criterion: any TrainingCriterion
  var cache: RNNLanguageModel.ForwardCache
  var states: [RecurrentState] = []
  private var gradHidden = Matrix(rows: 0, cols: 0)

  init(model: RNNLanguageModel, criterion: any TrainingCriterion) {
    self.model = model
    self.criterion = criterion
    cache = model.makeCache()
  }

  /// Forward, criterion and backward on `batch`; gradients of `scale * Σ loss` accumulate in
  /// the replica's parameters. Returns the summed loss.
  func process(_ batch: Batch, carryState: Bool, scale: Float, using generator: inout SeededGenerator) -> Double {
    if states.isEmpty || batch.resetsState || !carryState || states[0].hidden.rows != batch.batchSize {
      states = model.initialState(batch: batch.batchSize)
    }
    if let layout = batch.packedLayout {
      // Packed: the output rows are the real positions, in order; no padding anywhere.
      let hidden = model.forward(
        inputs: batch.realInputs, layout: layout, states: &states, cache: &cache, training: true, using: &generator)
      let (loss, gradHidden) = batch.realTargets.withUnsafeBufferPointer {
        criterion.lossAndGradient(hidden: hidden, targets: $0, output: model.output, scale: scale, using: &generator)
      }
      model.backward(gradHidden, cache: &cache)
      return loss
    }
    let hidden = model.forward(
      inputs: batch.inputs, steps: batch.steps, states: &states, cache: &cache, training: true, using: &generator)
    let realHidden = batch.realPositions.withUnsafeBufferPointer { hidden.gatheringRows($0) }
    let (loss, gradReal) = batch.realTargets.withUnsafeBufferPointer {
      criterion.lossAndGradient(hidden: realHidden, targets: $0, output: model.output, scale: scale, using: &generator)
    }
    gradHidden.resize(rows: hidden.rows, cols: hidden.cols)
    let width = gradReal.cols
    gradReal.withUnsafeBufferPointer { src in
      gradHidden.withUnsafeMutableBufferPointer { dst in
        for (i, p) in batch.realPositions.enumerated() {
          (dst.baseAddress! + Int(p) * width).update(from: src.baseAddress! + i * width, count: width)
        }
      }
    }
    model.backward(gradHidden, cache: &cache)
    return loss
  }

  /// Adds this replica's gradients into `master`'s (parameters pair up by position) and
  /// zeroes its own.
  func addGradients(into master: RNNLanguageModel) {
    for (mine, theirs) in zip(model.parameters, master.parameters) {
      let cols = mine.gradient.cols
      mine.gradient.withUnsafeBufferPointer { src in
        theirs.gradient.withUnsafeMutableBufferPointer { dst in
          if mine.isRowSparse {
            for row in mine.touchedRows.members {
              theirs.touch(row: Int(row))
              BLAS.axpy(count: cols, alpha: 1, x: src.baseAddress! + Int(row) * cols, y: dst.baseAddress! + Int(row) * cols)
            }
          } else {
            BLAS.axpy(count: src.count, alpha: 1, x: src.baseAddress!, y: dst.baseAddress!)
          }
        }
      }
      mine.zeroGradient()
    }
  }

  /// Copies `master`'s weights after an update: dense tensors whole, row-sparse ones only on
  /// the rows the update touched (`master`'s touched rows, before its gradients are zeroed).
  func copyWeights(from master: RNNLanguageModel) {
    for (mine, theirs) in zip(model.parameters, master.parameters) {
      let cols = mine.value.cols
      theirs.value.withUnsafeBufferPointer { src in
        mine.value.withUnsafeMutableBufferPointer { dst in
          if theirs.isRowSparse {
            for row in theirs.touchedRows.members {
              (dst.baseAddress! + Int(row) * cols).update(from: src.baseAddress! + Int(row) * cols, count: cols)
            }
          } else {
            dst.baseAddress!.update(from: src.baseAddress!, count: src.count)
          }
        }
      }
    }
  }
}
