import NCECore

/// One data-parallel worker: a model replica with its own gradients, activations, criterion
/// and recurrent state. Worker 0 holds the trained model itself; the others hold replicas that
/// read its values (`RNNLanguageModel(replicaOf:)`) and whose gradients are summed into it
/// before each update (`GradientReduction`).
final class TrainingWorker {
  let model: RNNLanguageModel
  var criterion: any TrainingCriterion
  var cache: RNNLanguageModel.ForwardCache
  var states: [RecurrentState] = []
  private var gradHidden = Matrix(rows: 0, cols: 0)
  /// The direct features of the batch's real positions (models with direct features only).
  private var directRows: DirectRows?

  init(model: RNNLanguageModel, criterion: any TrainingCriterion) {
    self.model = model
    self.criterion = criterion
    cache = model.makeCache()
    directRows = model.output.direct.map { DirectRows(for: $0) }
  }

  /// Forward, criterion and backward on `batch`; gradients of `scale * Σ loss` accumulate in
  /// the replica's parameters. Returns the summed loss.
  func process(_ batch: Batch, carryState: Bool, scale: Float, using generator: inout SeededGenerator) -> Double {
    if states.isEmpty || batch.resetsState || !carryState || states[0].hidden.rows != batch.batchSize {
      states = model.initialState(batch: batch.batchSize)
    }
    if directRows != nil {
      directRows!.removeAll()
      directRows!.append(realPositionsOf: batch)
    }
    if let layout = batch.packedLayout {
      // Packed: the output rows are the real positions, in order; no padding anywhere.
      let hidden = model.forward(
        inputs: batch.realInputs, layout: layout, states: &states, cache: &cache, training: true, using: &generator)
      let (loss, gradHidden) = batch.realTargets.withUnsafeBufferPointer {
        criterion.lossAndGradient(
          hidden: hidden, targets: $0, output: model.output, direct: directRows, scale: scale, using: &generator)
      }
      model.backward(gradHidden, cache: &cache)
      return loss
    }
    let hidden = model.forward(
      inputs: batch.inputs, steps: batch.steps, states: &states, cache: &cache, training: true, using: &generator)
    let realHidden = batch.realPositions.withUnsafeBufferPointer { hidden.gatheringRows($0) }
    let (loss, gradReal) = batch.realTargets.withUnsafeBufferPointer {
      criterion.lossAndGradient(
        hidden: realHidden, targets: $0, output: model.output, direct: directRows, scale: scale, using: &generator)
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
}
