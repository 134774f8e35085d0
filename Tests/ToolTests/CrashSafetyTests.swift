import Foundation
import NCECore
import NCEModel
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Interruptions lose nothing: `rnnlm-train` killed with SIGKILL at random moments always
/// leaves a loadable `<save>.last` that `--resume` continues from; SIGINT saves and exits 0,
/// SIGTERM saves and exits 143;
/// an interrupted and resumed run ends with the same model as an uninterrupted one.
@Suite(.serialized, .enabled(if: ToolRunner.isBuilt("rnnlm-train")))
struct CrashSafetyTests {
  /// A small random corpus over 13 words (seeded, so every run sees the same text).
  static func writeCorpus(in directory: String, trainSentences: Int) throws -> (train: String, valid: String) {
    let words = "the a cat dog sat ran on under mat house big small red".split(separator: " ")
    var generator = SeededGenerator(seed: 5)
    func text(_ sentences: Int) -> String {
      (0..<sentences).map { _ in
        (0..<(2 + generator.nextInt(below: 8))).map { _ in words[generator.nextInt(below: words.count)] }
          .joined(separator: " ")
      }.joined(separator: "\n") + "\n"
    }
    let train = directory + "/train.txt"
    let valid = directory + "/valid.txt"
    try text(trainSentences).write(toFile: train, atomically: true, encoding: .utf8)
    try text(20).write(toFile: valid, atomically: true, encoding: .utf8)
    return (train, valid)
  }

  static func arguments(train: String, valid: String, save: String, epochs: Int) -> [String] {
    [
      "--train-text", train, "--valid-text", valid, "--emsize", "8", "--nhid", "8", "--nlayers", "1",
      "--batch-size", "2", "--bptt", "6", "--seed", "3", "--log-interval", "1000", "--threads", "1",
      "--momentum", "0.5", "--epochs", "\(epochs)", "--save", save,
    ]
  }

  static func sleep(seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

  static func modificationDate(_ path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }

  @Test func sigkillAtRandomMomentsAlwaysLeavesALoadableCheckpoint() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (train, valid) = try Self.writeCorpus(in: directory, trainSentences: 60)
    let save = directory + "/m.mdl"
    let last = save + ".last"
    let epochs = 60
    let base = Self.arguments(train: train, valid: valid, save: save, epochs: epochs)
    var generator = SeededGenerator(seed: 77)
    var kills = 0
    var survivingEpoch = 1
    // Kills land within about one epoch after a checkpoint, whatever the machine's speed, so
    // 15 rounds advance at most ~30 of the 60 epochs.
    var epochSeconds = 0.05
    for round in 0..<15 {
      let resuming = FileManager.default.fileExists(atPath: last)
      let before = Self.modificationDate(last)
      let process = try ToolRunner.launch("rnnlm-train", base + (resuming ? ["--resume"] : []))
      // Wait for the next checkpoint (so every round makes progress, however slow the
      // machine), then kill at a random moment of the following epoch, often mid-write.
      let deadline = Date().addingTimeInterval(120)
      while process.isRunning && Self.modificationDate(last) == before && Date() < deadline {
        Self.sleep(seconds: 0.005)
      }
      Self.sleep(seconds: 1.2 * epochSeconds * Double(generator.nextUniform()))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        kills += 1
      }
      process.waitUntilExit()
      guard FileManager.default.fileExists(atPath: last) else { continue }
      // Whatever the moment of the kill, the previous checkpoint is complete.
      let file = try ModelFile.read(path: last)
      let epoch = try #require(file.state?.epoch, "round \(round)")
      #expect(
        epoch >= survivingEpoch, "round \(round): the checkpoint went back from epoch \(survivingEpoch) to \(epoch)")
      #expect(file.state?.history.count == epoch - 1, "round \(round)")
      survivingEpoch = epoch
      if let seconds = file.state?.history.last?.seconds, seconds > 0 { epochSeconds = seconds }
      if FileManager.default.fileExists(atPath: save) { _ = try ModelFile.read(path: save) }
    }
    #expect(kills >= 12, "the runs ended before they could be killed")
    #expect(survivingEpoch > 2, "no progress across the kills")
    #expect(survivingEpoch <= epochs, "training finished before the last kill")

    let final = try ToolRunner.run("rnnlm-train", base + ["--resume"])
    #expect(final.status == 0, "\(final.stderr)")
    let state = try #require(try ModelFile.read(path: last).state)
    #expect(state.epoch == epochs + 1)
    #expect(state.history.map(\.epoch) == Array(1...epochs))
    #expect(state.history.allSatisfy { $0.trainLoss.isFinite })
    // Only the resumed epochs print their line.
    #expect(final.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == epochs - survivingEpoch + 1)
  }

  /// Starts a run and sends `signal` `delay` seconds after its handler is in place (the
  /// training data is loaded) and, if `after` is given, that file exists; then waits.
  static func interruptedRun(
    _ arguments: [String], after: String? = nil, delay: Double, signal: Int32 = SIGINT
  ) throws -> ToolRunner.Result {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let out = directory + "/out"
    let err = directory + "/err"
    let process = try ToolRunner.launch("rnnlm-train", arguments, stdout: out, stderr: err)
    let deadline = Date().addingTimeInterval(60)
    func ready() -> Bool {
      let log = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
      guard log.contains("LOG (rnnlm-train) vocabulary") || log.contains("LOG (rnnlm-train) resuming") else {
        return false
      }
      return after.map { FileManager.default.fileExists(atPath: $0) } ?? true
    }
    while process.isRunning && !ready() && Date() < deadline { sleep(seconds: 0.01) }
    sleep(seconds: delay)
    if process.isRunning { kill(process.processIdentifier, signal) }
    process.waitUntilExit()
    return ToolRunner.Result(
      status: process.terminationStatus, stdout: ToolRunner.read(out) ?? "", stderr: ToolRunner.read(err) ?? "",
      signaled: process.terminationReason == .uncaughtSignal)
  }

  /// Ctrl-C stops by the user's choice (exit 0); SIGTERM, a scheduler ending the job, stops
  /// the same way but exits 143 so that the job shows as unfinished.
  @Test(arguments: [(SIGINT, 0), (SIGTERM, 143)] as [(Int32, Int32)])
  func signalSavesAndResumeEndsAtTheLastEpoch(signal: Int32, status: Int32) throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (train, valid) = try Self.writeCorpus(in: directory, trainSentences: 200)
    let save = directory + "/m.mdl"
    let last = save + ".last"
    let epochs = 8
    let arguments = Self.arguments(train: train, valid: valid, save: save, epochs: epochs)
    let interrupted = try Self.interruptedRun(arguments, after: last, delay: 0.1, signal: signal)
    #expect(interrupted.status == status && !interrupted.signaled, "\(interrupted.stderr)")
    #expect(interrupted.stderr.contains("interrupted: state saved to \(last)"))
    let saved = try #require(try ModelFile.read(path: last).state)
    #expect(saved.epoch >= 2 && saved.epoch <= epochs, "stopped at epoch \(saved.epoch)")

    let resumed = try ToolRunner.run("rnnlm-train", arguments + ["--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming epoch \(saved.epoch) batch \(saved.batchesDone)"))
    let state = try #require(try ModelFile.read(path: last).state)
    #expect(state.epoch == epochs + 1)
    #expect(state.history.map(\.epoch) == Array(1...epochs))
    #expect(resumed.stdout.contains("epoch \(epochs) lr"))
    #expect(!resumed.stdout.contains("epoch \(saved.epoch - 1) lr"))
  }

  /// Ctrl-C during the first epoch: "evaluates, saves" holds, `--save` is a usable model.
  @Test func sigintInTheFirstEpochLeavesAUsableModel() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (train, valid) = try Self.writeCorpus(in: directory, trainSentences: 4000)
    let save = directory + "/m.mdl"
    let interrupted = try Self.interruptedRun(
      Self.arguments(train: train, valid: valid, save: save, epochs: 2), delay: 0.2)
    #expect(interrupted.status == 0 && !interrupted.signaled, "\(interrupted.stderr)")
    let state = try #require(try ModelFile.read(path: save + ".last").state)
    try #require(state.epoch == 1, "the first epoch ended before the signal")
    let model = try ModelFile.read(path: save, optimizerState: false)
    #expect(model.state == state)
  }

  @Test func resumeAfterSigintGivesTheUninterruptedModelBitForBit() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (train, valid) = try Self.writeCorpus(in: directory, trainSentences: 200)
    let epochs = 5
    let reference = directory + "/reference.mdl"
    let straight = try ToolRunner.run(
      "rnnlm-train", Self.arguments(train: train, valid: valid, save: reference, epochs: epochs))
    #expect(straight.status == 0, "\(straight.stderr)")

    // Interrupt, resume and interrupt again until training has finished.
    let save = directory + "/interrupted.mdl"
    let last = save + ".last"
    let arguments = Self.arguments(train: train, valid: valid, save: save, epochs: epochs)
    var generator = SeededGenerator(seed: 8)
    var midEpochStops = 0
    var interruptions = 0
    for round in 0..<20 {
      let resuming = FileManager.default.fileExists(atPath: last)
      let result = try Self.interruptedRun(
        arguments + (resuming ? ["--resume"] : []), delay: 0.02 + 0.2 * Double(generator.nextUniform()))
      #expect(result.status == 0, "round \(round): \(result.stderr)")
      let state = try #require(try ModelFile.read(path: last).state)
      if result.stderr.contains("interrupted: state saved") { interruptions += 1 }
      if state.batchesDone > 0 { midEpochStops += 1 }
      if state.epoch > epochs || interruptions >= 4 { break }
    }
    // On a loaded machine the rounds may not reach the end: finish without interruption.
    if try ModelFile.read(path: last).state!.epoch <= epochs {
      let finish = try ToolRunner.run("rnnlm-train", arguments + ["--resume"])
      #expect(finish.status == 0, "\(finish.stderr)")
    }
    #expect(interruptions >= 2)
    #expect(midEpochStops >= 1, "no interruption landed inside an epoch")

    let expected = try ModelFile.read(path: reference + ".last")
    let actual = try ModelFile.read(path: last)
    #expect(actual.state?.epoch == epochs + 1)
    #expect(actual.model.tensors == expected.model.tensors)
    #expect(actual.momentum == expected.momentum)
    #expect(actual.state?.history.map(\.trainLoss) == expected.state?.history.map(\.trainLoss))
    #expect(actual.state?.history.map(\.validPerplexity) == expected.state?.history.map(\.validPerplexity))
    #expect(actual.state?.learningRate == expected.state?.learningRate)
  }

  @Test(.enabled(if: ToolRunner.isBuilt("rescore-nbest")))
  func sigkilledRescoringLeavesNoPartialOutput() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var words = ""
    var acwt = ""
    var nolm = ""
    var lmonly = ""
    let texts = ["the cat sat on the mat", "a dog ran", "the big red house", ""]
    for utterance in 0..<1500 {
      for rank in 1...3 {
        let key = "utt\(utterance)-\(rank)"
        let text = texts[(utterance + rank) % texts.count]
        words += text.isEmpty ? "\(key)\n" : "\(key) \(text)\n"
        acwt += "\(key) \(100 + rank)\n"
        nolm += "\(key) 0.5\n"
        lmonly += "\(key) \(20 + rank)\n"
      }
    }
    try ToolRunner.write(
      ["archive/words_text": words, "archive/acwt": acwt, "archive/lmwt.nolm": nolm, "archive/lmwt.lmonly": lmonly],
      in: directory)
    let model = try RescoringFixture.model()
    func arguments(_ out: String) -> [String] {
      ["--model", model, "--nbest-dir", directory + "/archive", "--out", out]
    }
    let reference = directory + "/reference"
    try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
    let start = Date()
    let complete = try ToolRunner.run("rescore-nbest", arguments(reference))
    let duration = Date().timeIntervalSince(start)
    #expect(complete.status == 0, "\(complete.stderr)")
    let expected = try FileManager.default.contentsOfDirectory(atPath: reference).filter { !$0.hasPrefix(".") }
    #expect(Set(expected) == ["lmwt.rnn", "lmwt.interp.0.5", "text"])

    var generator = SeededGenerator(seed: 12)
    var killedWhileRunning = 0
    // Kill points spread over the first 65% of an uninterrupted run's duration, so most rounds
    // are killed even when the machine's speed varies between runs.
    for round in 0..<8 {
      let out = directory + "/out\(round)"
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      let process = try ToolRunner.launch("rescore-nbest", arguments(out))
      Self.sleep(seconds: duration * (0.05 + 0.6 * Double(generator.nextUniform())))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        killedWhileRunning += 1
      }
      process.waitUntilExit()
      // Every output under its final name is complete: equal to the uninterrupted run's.
      for name in try FileManager.default.contentsOfDirectory(atPath: out) where !name.hasPrefix(".") {
        #expect(expected.contains(name), "round \(round): unexpected file \(name)")
        let written = FileManager.default.contents(atPath: out + "/" + name)
        #expect(
          written == FileManager.default.contents(atPath: reference + "/" + name), "round \(round): \(name) is partial")
      }
    }
    #expect(killedWhileRunning >= 3)

    // SIGINT, SIGTERM and SIGHUP end the run without leaving even the hidden temporary files.
    // The first round of each signal waits until the run has temporary files (the case to
    // exercise, whatever the machine's load); the others signal at a random point.
    var signaledWithTemporaryFiles = 0
    var outcomes: [String] = []
    for round in 0..<9 {
      let signal = [SIGINT, SIGTERM, SIGHUP][round % 3]
      let out = directory + "/signal\(round)"
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      let process = try ToolRunner.launch("rescore-nbest", arguments(out), stderr: directory + "/err\(round)")
      func hasTemporaryFiles() -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).contains { $0.hasPrefix(".") }
      }
      if round < 3 {
        let deadline = Date().addingTimeInterval(10 * duration + 5)
        while process.isRunning && !hasTemporaryFiles() && Date() < deadline { Self.sleep(seconds: 0.002) }
      } else {
        Self.sleep(seconds: duration * (0.3 + 0.6 * Double(generator.nextUniform())))
      }
      let temporaryBefore = hasTemporaryFiles()
      guard process.isRunning else {
        process.waitUntilExit()
        continue
      }
      kill(process.processIdentifier, signal)
      process.waitUntilExit()
      let left = try FileManager.default.contentsOfDirectory(atPath: out)
      outcomes.append("temporary files \(temporaryBefore), signaled \(process.terminationReason == .uncaughtSignal)")
      if process.terminationReason == .uncaughtSignal {
        #expect(process.terminationStatus == signal, "\(ToolRunner.read(directory + "/err\(round)") ?? "")")
        // No temporary file is left; what was renamed before the signal is complete.
        #expect(left.allSatisfy { !$0.hasPrefix(".") }, "signal \(signal): \(left)")
        for name in left {
          let written = FileManager.default.contents(atPath: out + "/" + name)
          #expect(written == FileManager.default.contents(atPath: reference + "/" + name), "signal \(signal): \(name)")
        }
        if temporaryBefore { signaledWithTemporaryFiles += 1 }
      } else {
        #expect(process.terminationStatus == 0)  // it finished first
      }
    }
    #expect(signaledWithTemporaryFiles >= 2, "\(outcomes)")
  }
}
