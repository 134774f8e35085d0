import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NCEModel

/// The training set-up pipeline (`TrainingSession`), driven directly: new runs and resumes
/// from files, what checkpoints record, which outputs it refuses and when.
@Suite struct TrainingSessionTests {
  static let words = "the a cat dog sat ran on under mat house big small red".split(separator: " ")

  /// `sentences` seeded random sentences.
  static func text(_ sentences: Int, seed: UInt64) -> String {
    var generator = SeededGenerator(seed: seed)
    return (0..<sentences).map { _ in
      (0..<(2 + generator.nextInt(below: 6))).map { _ in words[generator.nextInt(below: words.count)] }.joined(
        separator: " ")
    }.joined(separator: "\n") + "\n"
  }

  /// A directory with train.txt (40 sentences), valid.txt and test.txt.
  static func dataDirectory() throws -> String {
    let directory = try makeTemporaryDirectory()
    try text(40, seed: 1).write(toFile: directory + "/train.txt", atomically: true, encoding: .utf8)
    try text(10, seed: 2).write(toFile: directory + "/valid.txt", atomically: true, encoding: .utf8)
    try text(10, seed: 3).write(toFile: directory + "/test.txt", atomically: true, encoding: .utf8)
    return directory
  }

  /// A small request over `directory`'s texts, saving to `<directory>/m.mdl`.
  static func request(_ directory: String, epochs: Int? = 1) -> TrainingRequest {
    var request = TrainingRequest(savePath: directory + "/m.mdl")
    request.dataDirectory = directory
    request.model.embeddingSize = 6
    request.model.hiddenSize = 6
    request.model.layers = 1
    request.options.batchSize = 4
    request.options.bptt = 5
    request.options.momentum = 0.5
    request.options.logInterval = 1000
    request.epochs = epochs
    request.availableMemory = nil
    return request
  }

  static func resumeRequest(_ directory: String, epochs: Int? = nil) -> TrainingRequest {
    var request = TrainingRequest(savePath: directory + "/m.mdl")
    request.resume = true
    request.epochs = epochs
    return request
  }

  @Test func aResumeWithoutTextsContinuesWithTheRecordedOnesAndEpochsIsTheTotal() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    let first = try TrainingSession.prepare(Self.request(directory))
    guard case .finished(let test?) = try first.run() else {
      Issue.record("no test result")
      return
    }
    #expect(test.perplexity?.isFinite == true && test.sentences == 10)
    let saved = try ModelFile.read(path: directory + "/m.mdl.last")
    #expect(saved.texts?.train.path == directory + "/train.txt")
    #expect(saved.texts?.valid?.fingerprint.sentences == 10 && saved.texts?.test != nil)

    // A finished 1-epoch run resumed without --epochs has nothing left to train.
    let again = try TrainingSession.prepare(Self.resumeRequest(directory))
    #expect(again.trainer.isFinished && again.trainer.options.epochs == 1)
    #expect(again.test?.sentenceCount == 10)
    // --epochs 3 means three in all: two more, validated on the recorded valid text.
    let more = try TrainingSession.prepare(Self.resumeRequest(directory, epochs: 3))
    var epochs: [Int] = []
    guard
      case .finished(let result?) = try more.run(report: {
        if case .epochFinished(let r) = $0 { epochs.append(r.epoch) }
      })
    else {
      Issue.record("no test result after the resume")
      return
    }
    #expect(epochs == [2, 3])
    #expect(result.perplexity?.isFinite == true)
    let state = try #require(try ModelFile.read(path: directory + "/m.mdl.last").state)
    #expect(state.history.count == 3 && state.history.allSatisfy { $0.validPerplexity != nil })
    // --save holds the epoch with the best validation perplexity.
    let best = try #require(try ModelFile.read(path: directory + "/m.mdl").state)
    let lowest = state.history.compactMap(\.validPerplexity).min()
    #expect(best.history.last?.validPerplexity == lowest)
  }

  @Test(arguments: ["shorter", "changed"])
  func aResumeWithAnotherTrainingTextNamesBothFiles(_ kind: String) throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    _ = try TrainingSession.prepare(Self.request(directory, epochs: 2)).run(shouldStop: { true })
    let other = directory + "/other.txt"
    let original = try String(contentsOfFile: directory + "/train.txt", encoding: .utf8)
    let replacement = kind == "shorter" ? Self.text(3, seed: 1) : original.replacingOccurrences(of: "cat", with: "dog")
    try replacement.write(toFile: other, atomically: true, encoding: .utf8)
    var request = Self.resumeRequest(directory)
    request.trainText = other
    let error = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(error?.file == other, "\(String(describing: error))")
    #expect(error?.message.contains("'\(directory)/train.txt'") == true, "\(String(describing: error))")
    #expect(error?.message.contains("m.mdl.last") == true)
    // The recorded text itself changed: the same error, naming it.
    try replacement.write(toFile: directory + "/train.txt", atomically: true, encoding: .utf8)
    let changed = #expect(throws: InputError.self) { try TrainingSession.prepare(Self.resumeRequest(directory)) }
    #expect(changed?.file == directory + "/train.txt")
  }

  @Test func aStateBeyondTheTextIsRefusedNotRun() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    _ = try TrainingSession.prepare(Self.request(directory, epochs: 2)).run()
    var file = try ModelFile.read(path: directory + "/m.mdl.last")
    file.state?.epoch = 2
    file.state?.history.removeLast()
    file.state?.batchesDone = 1000
    file.state?.partialTokens = 1
    file.texts = nil  // an older checkpoint: no fingerprint to catch it first
    try file.write(to: directory + "/m.mdl.last")
    var request = Self.resumeRequest(directory)
    request.dataDirectory = directory
    let error = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(error?.file == directory + "/m.mdl.last")
    #expect(error?.message.contains("batchesDone 1000 of epoch 2 exceeds the") == true, "\(String(describing: error))")
  }

  @Test func anInterruptedFirstEpochLeavesAUsableModel() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    var polls = 0
    let outcome = try TrainingSession.prepare(Self.request(directory, epochs: 3)).run(shouldStop: {
      polls += 1
      return polls >= 2
    })
    #expect(outcome == .interrupted)
    let model = try ModelFile.read(path: directory + "/m.mdl", optimizerState: false)
    #expect(model.state?.epoch == 1 && model.state?.batchesDone == 2)
    let scored = try Evaluation.perplexity(
      model: model.model, corpus: Corpus(path: directory + "/valid.txt", vocabulary: model.vocabulary), threads: 1)
    #expect(scored.isFinite)
  }

  @Test func withoutValidationTheSavedModelIsTheLatest() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    var request = Self.request(directory, epochs: 3)
    request.dataDirectory = nil
    request.trainText = directory + "/train.txt"
    _ = try TrainingSession.prepare(request).run()
    let saved = try ModelFile.read(path: directory + "/m.mdl")
    let last = try ModelFile.read(path: directory + "/m.mdl.last")
    #expect(saved.model.tensors == last.model.tensors && saved.state?.epoch == 4)
    // One file under two names (a hard link, not a second write).
    let inode = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int }
    #expect(try inode(directory + "/m.mdl") != nil && inode(directory + "/m.mdl") == inode(directory + "/m.mdl.last"))
  }

  @Test func outputsAreCheckedBeforeAnyWork() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    let train = directory + "/train.txt"
    let before = try Data(contentsOf: URL(fileURLWithPath: train))
    var request = Self.request(directory)
    request.savePath = train
    let overlap = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(
      overlap?.message.contains("would overwrite the input training text") == true, "\(String(describing: overlap))")
    request.savePath = directory + "/x.mdl"
    request.trainText = directory + "/x.mdl.last"
    try Self.text(5, seed: 9).write(toFile: directory + "/x.mdl.last", atomically: true, encoding: .utf8)
    #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: train)) == before)

    request = Self.request(directory)
    request.savePath = directory + "/missing/m.mdl"
    let missing = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(missing?.file == directory + "/missing/m.mdl.last" && missing?.message.hasPrefix("cannot create") == true)
    request.savePath = directory
    let isDirectory = #expect(throws: InputError.self) { try TrainingSession.prepare(request) }
    #expect(isDirectory?.file == directory)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
    #expect(leftovers.isEmpty, "\(leftovers)")
  }

  @Test func zeroEpochsIsRefused() throws {
    var options = TrainingOptions()
    options.epochs = 0
    let error = #expect(throws: ModelConfigError.self) { try options.validate() }
    #expect(error?.message == "--epochs must be at least 1, got 0")
  }

  /// `--lr 1e6`: every batch's loss stays finite but validation overflows; that is
  /// divergence, rolled back like NaN, and with no epoch completed nothing is promised.
  @Test func anInfiniteValidationFigureIsDivergence() throws {
    let directory = try Self.dataDirectory()
    defer { removeTree(directory) }
    var request = Self.request(directory)
    request.options.learningRate = 1e6
    request.options.clip = 0
    let session = try TrainingSession.prepare(request)
    var causes: [DivergenceCause] = []
    let error = #expect(throws: TrainingError.self) {
      try session.run(report: { if case .diverged(_, _, _, _, let cause) = $0 { causes.append(cause) } })
    }
    #expect(!causes.isEmpty)
    #expect(
      error?.message.contains("nothing was saved (no epoch was completed): try a lower --lr") == true,
      "\(String(describing: error))")
    #expect(!FileManager.default.fileExists(atPath: directory + "/m.mdl"))
  }
}
