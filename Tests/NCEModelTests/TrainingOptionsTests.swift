import Testing

@testable import NCEModel

/// Range checks of the training options, shared by the command line and `--resume`.
@Suite struct TrainingOptionsTests {
  @Test func defaultsAreValidAndEachBadValueNamesItsOption() throws {
    try TrainingOptions().validate()
    let cases: [(WritableKeyPath<TrainingOptions, Float>, Float, String)] = [
      (\.learningRate, 0, "--lr"), (\.learningRate, .infinity, "--lr"), (\.learningRateDecay, 0.5, "--lr-decay"),
      (\.weightDecay, -1e-5, "--weight-decay"), (\.momentum, 1, "--momentum"), (\.momentum, .nan, "--momentum"),
      (\.clip, -0.25, "--clip"), (\.clip, .nan, "--clip"),
    ]
    for (field, value, option) in cases {
      var options = TrainingOptions()
      options[keyPath: field] = value
      let error = #expect(throws: ModelConfigError.self) { try options.validate() }
      #expect(error?.message.hasPrefix(option + " must") == true, "\(option) = \(value)")
    }
    let integers: [(WritableKeyPath<TrainingOptions, Int>, Int, String)] = [
      (\.epochs, -1, "--epochs"), (\.batchSize, 0, "--batch-size and --bptt"), (\.bptt, 0, "--batch-size and --bptt"),
      (\.logInterval, -1, "--log-interval"), (\.threads, 0, "--threads"),
    ]
    for (field, value, option) in integers {
      var options = TrainingOptions()
      options[keyPath: field] = value
      let error = #expect(throws: ModelConfigError.self) { try options.validate() }
      #expect(error?.message.hasPrefix(option + " must") == true, "\(option) = \(value)")
    }
  }
}
