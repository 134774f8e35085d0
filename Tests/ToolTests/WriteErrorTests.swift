import Foundation
import Testing

/// Write errors are reported, never ignored or turned into crashes: results sent to a full
/// device (`> /dev/full`), and files beyond the file-size limit (`ulimit -f 0` with SIGXFSZ
/// ignored, so that write() fails with EFBIG as on a full disk; no root needed).
@Suite struct WriteErrorTests {
  static let text = "the cat sat on the mat\na dog ran\nthe dog sat on a mat\n"

  @Test func everyToolReportsAFullStandardOutput() throws {
    let model = try RescoringFixture.model()
    let (root, archive, reference) = try RescoringFixture.archive()
    try ToolRunner.write(["plain.txt": Self.text], in: root)
    let plain = "'\(root)/plain.txt'"
    let commands = [
      ("compute-wer", "compute-wer '\(reference)' '\(reference)'"),
      ("rnnlm-eval", "rnnlm-eval --model '\(model)' --text \(plain) --self-norm-stats"),
      ("rnnlm-score", "rnnlm-score --model '\(model)' --text \(plain)"),
      ("rescore-nbest", "rescore-nbest --model '\(model)' --nbest-dir '\(archive)' --ref '\(reference)' --out '\(root)/exp'"),
      (
        "rnnlm-train",
        "rnnlm-train --train-text \(plain) --valid-text \(plain) --epochs 1 --emsize 4 --nhid 4 --batch-size 2 --save '\(root)/m.mdl'"
      ),
    ]
    for (tool, command) in commands {
      let result = try ToolRunner.runShell(command + " > /dev/full")
      #expect(result.status == 1, "\(tool): \(result.stderr)")
      #expect(
        result.stderrLines.last == "ERROR (\(tool)): standard output: write failed: No space left on device",
        "\(tool)")
    }
    // Training reports the lost epoch line only after saving the model.
    #expect(FileManager.default.fileExists(atPath: root + "/m.mdl"))
  }

  @Test func trainingThatCannotWriteItsCheckpointStopsAndKeepsThePreviousOne() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["train.txt": Self.text], in: directory)
    let train = "rnnlm-train --train-text '\(directory)/train.txt' --emsize 4 --nhid 4 --batch-size 2 --save '\(directory)/m.mdl'"
    let first = try ToolRunner.runShell(train + " --epochs 1")
    #expect(first.status == 0, "\(first.stderr)")
    let saved = FileManager.default.contents(atPath: directory + "/m.mdl.last")
    let limited = try ToolRunner.runShell("ulimit -f 0; trap '' XFSZ; " + train + " --epochs 3 --resume")
    #expect(limited.status == 1)
    #expect(!limited.signaled)
    #expect(limited.stderrLines.last == "ERROR (rnnlm-train): \(directory)/m.mdl.last: write failed: File too large")
    #expect(FileManager.default.contents(atPath: directory + "/m.mdl.last") == saved)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["m.mdl", "m.mdl.last", "train.txt"])
    // The surviving checkpoint resumes.
    let resumed = try ToolRunner.runShell(train + " --epochs 2 --resume")
    #expect(resumed.status == 0, "\(resumed.stderr)")
  }

  @Test(arguments: ["rescore-nbest", "compute-wer"])
  func outputFilesThatCannotBeWrittenAreErrorsAndLeaveNothing(tool: String) throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let out = root + "/out"
    let command =
      tool == "rescore-nbest"
      ? "rescore-nbest --model '\(try RescoringFixture.model())' --nbest-dir '\(archive)' --ref '\(reference)' --out '\(out)'"
      : "compute-wer --details '\(out)' '\(reference)' '\(reference)'"
    let result = try ToolRunner.runShell("ulimit -f 0; trap '' XFSZ; " + command)
    #expect(result.status == 1)
    #expect(!result.signaled)
    let error = result.stderrLines.last ?? ""
    #expect(error.hasPrefix("ERROR (\(tool)): \(out)/") && error.hasSuffix(": write failed: File too large"), "\(error)")
    let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
    #expect(left.isEmpty, "\(left)")
  }
}
