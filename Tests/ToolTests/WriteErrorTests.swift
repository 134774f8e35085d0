import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

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
      (
        "rescore-nbest",
        "rescore-nbest --model '\(model)' --nbest-dir '\(archive)' --ref '\(reference)' --out '\(root)/exp'"
      ),
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
    let train =
      "rnnlm-train --train-text '\(directory)/train.txt' --emsize 4 --nhid 4 --batch-size 2 --save '\(directory)/m.mdl'"
    let first = try ToolRunner.runShell(train + " --epochs 1")
    #expect(first.status == 0, "\(first.stderr)")
    let saved = FileManager.default.contents(atPath: directory + "/m.mdl.last")
    let limited = try ToolRunner.runShell("ulimit -f 0; trap '' XFSZ; " + train + " --epochs 3 --resume")
    #expect(limited.status == 1)
    #expect(!limited.signaled)
    #expect(limited.stderrLines.last == "ERROR (rnnlm-train): \(directory)/m.mdl.last: write failed: File too large")
    #expect(FileManager.default.contents(atPath: directory + "/m.mdl.last") == saved)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["m.mdl", "m.mdl.last", "train.txt"])
    // The surviving checkpoint resumes.
    let resumed = try ToolRunner.runShell(train + " --epochs 2 --resume")
    #expect(resumed.status == 0, "\(resumed.stderr)")
  }

  /// Whether the tools can be run as `nobody` (root, setpriv, and a build directory that
  /// `nobody` may enter: a clone under a private directory cannot be).
  static let canRunAsNobody: Bool = {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
    let probe = try? ToolRunner.runShell(
      "setpriv --reuid=65534 --regid=65534 --clear-groups test -x '\(ToolRunner.path(of: "compute-wer"))'")
    return probe?.status == 0
  }()

  /// A directory the user may not write to (run as `nobody`: root may write anywhere).
  @Test(.enabled(if: canRunAsNobody, "needs root, setpriv and a build directory that nobody can enter"))
  func permissionDeniedIsReportedByEveryWritingTool() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try ToolRunner.write(["train.txt": Self.text], in: root)
    let locked = root + "/locked"
    try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
    let model = try RescoringFixture.model()
    let commands = [
      (
        "rnnlm-train",
        "rnnlm-train --train-text '\(root)/train.txt' --epochs 1 --emsize 4 --nhid 4 --save '\(locked)/m.mdl'"
      ),
      ("compute-wer", "compute-wer --details '\(locked)/d' '\(reference)' '\(reference)'"),
      ("rescore-nbest", "rescore-nbest --model '\(model)' --nbest-dir '\(archive)' --out '\(locked)/x'"),
    ]
    for (tool, command) in commands {
      try ToolRunner.write(["\(tool).sh": command + "\n"], in: root)
      let result = try ToolRunner.runShell(
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups bash '\(root)/\(tool).sh'")
      #expect(result.status == 1, "\(tool): \(result.stderr)")
      #expect(!result.signaled)
      let last = result.stderrLines.last ?? ""
      #expect(
        last.hasPrefix("ERROR (\(tool)): \(locked)/") && last.lowercased().contains("permission"), "\(tool): \(last)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
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
    #expect(
      error.hasPrefix("ERROR (\(tool)): \(out)/") && error.hasSuffix(": write failed: File too large"), "\(error)")
    let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
    #expect(left.isEmpty, "\(left)")
  }
}
