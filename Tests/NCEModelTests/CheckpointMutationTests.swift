import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NCEModel

/// Checkpoints whose payload is wrong behind a valid checksum (the CRC is re-computed after
/// every mutation, so the payload checks are what is exercised): each is refused with an
/// error naming the file and the tensor or field, or, when accepted, resumes and trains
/// without a crash.
@Suite struct CheckpointMutationTests {
  /// A `.last` interrupted inside epoch 2, with momentum and `#lag` tensors.
  static func checkpoint() throws -> (directory: String, last: String) {
    let directory = try TrainingSessionTests.dataDirectory()
    var polls = 0
    _ = try TrainingSession.prepare(TrainingSessionTests.request(directory, epochs: 3)).run(shouldStop: {
      polls += 1
      return polls >= 13
    })
    return (directory, directory + "/m.mdl.last")
  }

  /// Resumes from `last` and trains two batches. The texts are named again (the mutations may
  /// change the recorded paths; the recorded fingerprints are still checked).
  static func resumeAndTrain(_ directory: String) throws {
    var polls = 0
    var request = TrainingSessionTests.resumeRequest(directory)
    request.dataDirectory = directory
    _ = try TrainingSession.prepare(request).run(shouldStop: {
      polls += 1
      return polls >= 2
    })
  }

  static func rewrite(_ last: String, _ edit: (inout ModelFilePayload) throws -> Void) throws {
    var payload = try ModelFileContainer.read(path: last)
    try edit(&payload)
    try ModelFileContainer.write(payload, to: last)
  }

  /// Edits the training state's JSON object.
  static func editState(_ payload: inout ModelFilePayload, _ edit: (inout [String: Any]) -> Void) throws {
    var header = try JSONSerialization.jsonObject(with: Data(payload.configJSON)) as! [String: Any]
    var state = header["state"] as! [String: Any]
    edit(&state)
    header["state"] = state
    payload.configJSON = Array(try JSONSerialization.data(withJSONObject: header))
  }

  /// The cases of issue 12, each refused with the field or tensor named.
  @Test(arguments: [
    ("momentum", "tensor 'momentum/rnn.0.weight_hh' is"),
    ("lag", "tensor 'momentum/embedding.weight#lag' is"),
    ("lag-value", "tensor 'momentum/embedding.weight#lag' row 0 holds"),
    ("batchesDone", "training state: batchesDone -5 is negative"),
    ("generator", "training state: generatorState has 1 words, expected 4"),
    ("nan-weight", "tensor 'rnn.0.weight_ih' holds a non-finite value (nan) at row 0, column 1"),
    ("stranger", "tensor 'momentum/nothing' belongs to no parameter of this model"),
  ])
  func namedDefectsAreRefused(_ kind: String, _ message: String) throws {
    let (directory, last) = try Self.checkpoint()
    defer { removeTree(directory) }
    try Self.rewrite(last) { payload in
      switch kind {
      case "momentum":
        let m = payload.tensors["momentum/rnn.0.weight_hh"]!
        payload.tensors["momentum/rnn.0.weight_hh"] = Matrix(rows: m.cols, cols: m.rows, storage: m.storage)
      case "lag":
        payload.tensors["momentum/embedding.weight#lag"] = Matrix(rows: 2, cols: 1, storage: [0, 1])
      case "lag-value":
        payload.tensors["momentum/embedding.weight#lag"]!.storage[0] = -3
      case "batchesDone":
        try Self.editState(&payload) { $0["batchesDone"] = -5 }
      case "generator":
        try Self.editState(&payload) { $0["generatorState"] = [7] }
      case "nan-weight":
        payload.tensors["rnn.0.weight_ih"]!.storage[1] = .nan
      default:
        payload.tensors["momentum/nothing"] = Matrix(rows: 1, cols: 1, storage: [0])
      }
    }
    let error = #expect(throws: InputError.self) { try ModelFile.read(path: last) }
    #expect(error?.file == last)
    #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
  }

  /// Seeded random mutations of the payload: JSON numbers and arrays of the state, tensor
  /// shapes and values. Runs in well under 20 s.
  @Test func randomPayloadMutationsAreRefusedOrResumeSafely() throws {
    let (directory, last) = try Self.checkpoint()
    defer { removeTree(directory) }
    let valid = try ModelFileContainer.read(path: last)
    var generator = SeededGenerator(seed: 1212)
    var tally = FuzzTally()
    let start = Date()
    let odd: [Float] = [.nan, .infinity, -.infinity, -1, 0.5, 1e30, 16_777_218, -0.0]
    for round in 0..<150 {
      var payload = valid
      var what = ""
      switch generator.nextInt(below: 4) {
      case 0:
        (payload.configJSON, what) = FuzzReaderTests.mutateNumber(valid.configJSON, using: &generator)
      case 1:
        let keys = ["epochGeneratorState", "generatorState", "history"]
        let key = keys[generator.nextInt(below: keys.count)]
        let keep = generator.nextInt(below: 4)
        try Self.editState(&payload) { state in
          if let array = state[key] as? [Any] { state[key] = Array(array.prefix(keep)) }
        }
        what = "\(key) cut to \(keep)"
      case 2:
        let names = valid.tensors.keys.sorted()
        let name = names[generator.nextInt(below: names.count)]
        let m = valid.tensors[name]!
        let rows = max(0, m.rows + generator.nextInt(below: 3) - 1)
        let cols = max(0, m.cols + generator.nextInt(below: 3) - 1)
        payload.tensors[name] = Matrix(rows: rows, cols: cols, storage: [Float](repeating: 0, count: rows * cols))
        what = "\(name) reshaped to \(rows)x\(cols)"
      default:
        let names = valid.tensors.keys.sorted()
        let name = names[generator.nextInt(below: names.count)]
        let index = generator.nextInt(below: valid.tensors[name]!.storage.count)
        let value = odd[generator.nextInt(below: odd.count)]
        payload.tensors[name]!.storage[index] = value
        what = "\(name)[\(index)] = \(value)"
      }
      try ModelFileContainer.write(payload, to: last)
      tally.run("round \(round): \(what)", location: directory) {
        _ = try ModelFile.read(path: last)
        try Self.resumeAndTrain(directory)
      }
    }
    #expect(tally.refused > 40 && tally.accepted > 10, "\(tally)")
    #expect(Date().timeIntervalSince(start) < 20)
  }
}
