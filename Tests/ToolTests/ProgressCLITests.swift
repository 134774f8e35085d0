import Foundation
import Testing

/// Progress by time in every long-running tool: a log line every `--progress-interval` seconds
/// when stderr is a file or a pipe (the default 30 s prints nothing on these short runs; 0
/// switches progress off), and a live line on a terminal (a pseudo-terminal made by `script`).
@Suite struct ProgressCLITests {
  /// The runs of every tool on the small fixtures, with their progress label.
  static func runs(in directory: String) throws -> [(tool: String, arguments: [String], progress: String)] {
    let (root, archive, reference) = try RescoringFixture.archive()
    let model = try RescoringFixture.model()
    try ToolRunner.write(
      [
        "text": RescoringFixture.sentences.joined(separator: "\n") + "\n",
        "train.txt": String(repeating: RescoringFixture.sentences.joined(separator: "\n") + "\n", count: 3),
      ], in: directory)
    return [
      ("rnnlm-score", ["--model", model, "--text", directory + "/text"], "LOG (rnnlm-score) scoring: "),
      ("rnnlm-eval", ["--model", model, "--text", directory + "/text"], "LOG (rnnlm-eval) scoring: "),
      (
        "rescore-nbest", ["--model", model, "--nbest-dir", archive, "--ref", reference, "--out", root + "/exp"],
        "LOG (rescore-nbest) rescoring: "
      ),
      ("compute-wer", [reference, reference], "LOG (compute-wer) scoring: "),
      ("compute-wer", ["--details", root + "/details", reference, reference], "LOG (compute-wer) aligning: "),
      (
        "rnnlm-train",
        [
          "--train-text", directory + "/train.txt", "--save", directory + "/m.mdl", "--epochs", "1", "--nhid", "8",
          "--emsize", "8", "--nlayers", "1", "--batch-size", "2", "--threads", "1",
        ], "LOG (rnnlm-train) epoch 1 batch "
      ),
    ]
  }

  @Test func everyToolLogsProgressByTime() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for run in try Self.runs(in: directory) {
      let often = try ToolRunner.run(run.tool, run.arguments + ["--progress-interval", "0.000001"])
      #expect(often.status == 0, "\(run.tool): \(often.stderr)")
      #expect(often.stderr.contains(run.progress), "\(run.tool): \(often.stderr)")
      #expect(!often.stderr.contains("\r"), "no live line in a log")
      let quiet = try ToolRunner.run(run.tool, run.arguments)
      #expect(quiet.status == 0)
      #expect(!quiet.stderr.contains(run.progress), "\(run.tool): 30 s between lines by default")
      let off = try ToolRunner.run(run.tool, run.arguments + ["--progress-interval=0"])
      #expect(!off.stderr.contains(run.progress), "\(run.tool): 0 switches progress off")
    }
    let bad = try ToolRunner.run("rnnlm-score", ["--progress-interval", "-1", "--model", "m", "--text", "t"])
    #expect(bad.status == 64 && bad.stderr.contains("--progress-interval must be a number of seconds >= 0"))
  }

  /// On a terminal, training shows a live line from the first batch, erases it before the
  /// epoch line, and the epoch line appears once although stdout and stderr share the terminal.
  @Test(
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
  func trainingOnATerminalShowsALiveLineAndTheEpochLineOnce() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let train = try Self.runs(in: directory).last!
    let command = (["rnnlm-train"] + train.arguments).map { "'\($0)'" }.joined(separator: " ")
    let result = try ToolRunner.runShell("script -qefc \"\(command)\" /dev/null")
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    let screen = result.stdout
    #expect(screen.contains("\r[") && screen.contains("] epoch 1 batch 1/"), "\(screen)")
    #expect(screen.contains("\r\u{1B}[K"), "the live line is erased")
    #expect(screen.components(separatedBy: "epoch 1 lr ").count == 2, "the epoch line once: \(screen)")
  }
}
