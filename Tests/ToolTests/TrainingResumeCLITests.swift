import Foundation
import NCECore
import NCEModel
import Testing

/// `rnnlm-train --resume` and model-file checks through the real binaries: one `ERROR` line,
/// exit 1 (64 for usage), never a signal, and every earlier output byte-identical.
@Suite(.enabled(if: ToolRunner.isBuilt("rnnlm-train")))
struct TrainingResumeCLITests {
  static func arguments(_ directory: String, epochs: Int = 1) -> [String] {
    [
      "--train-text", directory + "/train.txt", "--valid-text", directory + "/valid.txt", "--emsize", "6", "--nhid",
      "6",
      "--nlayers", "1", "--batch-size", "2", "--bptt", "6", "--momentum", "0.5", "--epochs", "\(epochs)", "--save",
      directory + "/m.mdl",
    ]
  }

  /// A directory with train.txt and valid.txt and a finished 1-epoch run saved to m.mdl.
  static func trainedDirectory() throws -> String {
    let directory = try ToolRunner.temporaryDirectory()
    _ = try CrashSafetyTests.writeCorpus(in: directory, trainSentences: 30)
    let result = try ToolRunner.run("rnnlm-train", arguments(directory))
    #expect(result.status == 0, "\(result.stderr)")
    return directory
  }

  static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  /// Runs `arguments` and checks the failure contract: status, one ERROR line containing
  /// `message`, and the model files unchanged.
  static func expectFailure(
    _ directory: String, _ arguments: [String], tool: String = "rnnlm-train", status: Int32 = 1, _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let files = [directory + "/m.mdl", directory + "/m.mdl.last"]
    let before = files.map(contents)
    let result = try ToolRunner.run(tool, arguments)
    #expect(!result.signaled && result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
    let errors = result.stderrLines.filter { $0.hasPrefix("ERROR") }
    #expect(errors.count == 1 && errors[0].contains(message), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(files.map(contents) == before, "an output changed", sourceLocation: sourceLocation)
  }

  /// The same command with `--resume` continues; an option that differs from the recorded run
  /// is refused, naming it and both values (it used to be ignored without a word).
  @Test func resumeRefusesOptionsThatDifferFromTheRecordedRun() throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Self.expectFailure(
      directory, Self.arguments(directory, epochs: 2) + ["--resume", "--lr", "0.5"],
      "--lr 0.5 differs from 1.0, which this run was trained with")
    try Self.expectFailure(
      directory, Self.arguments(directory, epochs: 2) + ["--resume", "--nhid", "8"], "--nhid 8 differs from 6")
    try Self.expectFailure(
      directory, Self.arguments(directory, epochs: 2) + ["--resume", "--min-freq", "1000"],
      "a resumed run keeps its vocabulary")
    let same = try ToolRunner.run("rnnlm-train", Self.arguments(directory, epochs: 2) + ["--resume", "--threads", "1"])
    #expect(same.status == 0, "\(same.stderr)")
    #expect(same.stdout.contains("epoch 2 lr "))
  }

  @Test func resumeAloneContinuesWithTheRecordedTextsAndEpochsIsTheTotal() throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let save = directory + "/m.mdl"
    let finished = try ToolRunner.run("rnnlm-train", ["--save", save, "--resume"])
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(!finished.stdout.contains("epoch 2"), "a finished run trained on: \(finished.stdout)")
    let more = try ToolRunner.run("rnnlm-train", ["--save", save, "--resume", "--epochs", "2"])
    #expect(more.status == 0, "\(more.stderr)")
    #expect(more.stdout.contains("epoch 2 lr") && !more.stdout.contains("epoch 3"), "\(more.stdout)")
    // The recorded validation text was used: the epoch line has a perplexity.
    #expect(!more.stdout.contains("valid-ppl -"), "\(more.stdout)")
    #expect(try ModelFile.read(path: save + ".last").state?.epoch == 3)
  }

  @Test(arguments: ["shorter", "changed"])
  func resumeWithAnotherTrainingTextNamesBothTexts(_ kind: String) throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let train = directory + "/train.txt"
    let other = directory + "/other.txt"
    let text = try String(contentsOfFile: train, encoding: .utf8)
    let replacement =
      kind == "shorter"
      ? text.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
      : text.replacingOccurrences(of: "cat", with: "dog")
    try replacement.write(toFile: other, atomically: true, encoding: .utf8)
    try Self.expectFailure(
      directory, ["--train-text", other, "--save", directory + "/m.mdl", "--resume"],
      "ERROR (rnnlm-train): \(other): this training text is not '\(train)', the one \(directory)/m.mdl.last was trained on"
    )
  }

  @Test(arguments: [
    ("momentum", "tensor 'momentum/rnn.0.weight_hh' is 24x6, expected 6x24"),
    ("batchesDone", "training state: batchesDone -5 is negative"),
    ("generator", "training state: generatorState has 1 words, expected 4"),
  ])
  func aDefectiveCheckpointIsOneErrorLine(_ kind: String, _ message: String) throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let last = directory + "/m.mdl.last"
    var file = try ModelFile.read(path: last)
    switch kind {
    case "momentum":
      let m = file.momentum["rnn.0.weight_hh"]!
      file.momentum["rnn.0.weight_hh"] = Matrix(rows: m.cols, cols: m.rows, storage: m.storage)
    case "batchesDone": file.state?.batchesDone = -5
    default: file.state?.generatorState = [7]
    }
    try file.write(to: last)
    try Self.expectFailure(
      directory, ["--save", directory + "/m.mdl", "--resume", "--epochs", "3"], "\(last): \(message)")
  }

  @Test func aModelWithANaNWeightIsRefusedByEval() throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let file = try ModelFile.read(path: directory + "/m.mdl")
    file.model.parameters.first { $0.name == "output.bias" }!.value.storage[3] = .nan
    try file.write(to: directory + "/m.mdl")
    try #require(ToolRunner.isBuilt("rnnlm-eval"))
    try Self.expectFailure(
      directory, ["--model", directory + "/m.mdl", "--text", directory + "/valid.txt"], tool: "rnnlm-eval",
      "\(directory)/m.mdl: tensor 'output.bias' holds a non-finite value (nan) at row 3, column 0")
  }

  /// rescore-nbest reads models through the same checks: a NaN weight is refused, not `inf` costs.
  @Test(.enabled(if: ToolRunner.isBuilt("rescore-nbest")))
  func aModelWithANaNWeightIsRefusedByRescoring() throws {
    let directory = try Self.trainedDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let file = try ModelFile.read(path: directory + "/m.mdl")
    file.model.parameters.first { $0.name == "embedding.weight" }!.value.storage[0] = .infinity
    try file.write(to: directory + "/m.mdl")
    let (root, archive, _) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.expectFailure(
      directory, ["--model", directory + "/m.mdl", "--nbest-dir", archive, "--out", root + "/out"],
      tool: "rescore-nbest",
      "\(directory)/m.mdl: tensor 'embedding.weight' holds a non-finite value (inf) at row 0, column 0")
  }

  @Test func outputsAreCheckedBeforeTraining() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (train, _) = try CrashSafetyTests.writeCorpus(in: directory, trainSentences: 30)
    let text = Self.contents(train)
    try Self.expectFailure(
      directory, ["--train-text", train, "--save", train], "would overwrite the input training text '\(train)'")
    #expect(Self.contents(train) == text)
    try Self.expectFailure(
      directory, ["--train-text", train, "--save", directory + "/none/m.mdl"],
      "\(directory)/none/m.mdl.last: cannot create")
    try Self.expectFailure(
      directory, ["--train-text", train, "--epochs", "0"], status: 64, "--epochs must be at least 1, got 0")
  }

  /// `--lr 1e30`: diverges in the first epoch; the message says nothing was saved, and nothing is.
  @Test func divergenceInTheFirstEpochSaysNothingWasSaved() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try CrashSafetyTests.writeCorpus(in: directory, trainSentences: 30)
    try Self.expectFailure(
      directory, Self.arguments(directory) + ["--lr", "1e30"],
      "nothing was saved (no epoch was completed): try a lower --lr")
    #expect(!FileManager.default.fileExists(atPath: directory + "/m.mdl"))
  }
}
