import Foundation
import TestSupport
import Testing

/// The output policy seen from the command line: an output that is an input is refused
/// before any work; a run that fails late, or under a file-size limit, exits 1 with one
/// ERROR line and leaves every previous output byte-identical and no temporary file.
@Suite struct OutputPolicyCLITests {
  /// Exit 1, not a signal, and exactly one ERROR line, the last one.
  static func expectOneError(
    _ result: ToolRunner.Result, _ tool: String, sourceLocation: SourceLocation = #_sourceLocation
  )
    -> String
  {
    #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(!result.signaled, sourceLocation: sourceLocation)
    let errors = result.stderrLines.filter { $0.hasPrefix("ERROR") }
    #expect(errors.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.last == errors.first, sourceLocation: sourceLocation)
    #expect(errors.first?.hasPrefix("ERROR (\(tool)): ") == true, sourceLocation: sourceLocation)
    return errors.first ?? ""
  }

  /// A relative `--out` (and its missing parents) is created in the working directory; a run
  /// that fails leaves no new directory, relative or not (Foundation traps on the parent of a
  /// one-component relative path: the layout must not ask for it).
  @Test func relativeOutputDirectoriesAreCreatedAndRemovedOnFailure() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    for out in ["o", "new/exp"] {
      let ok = try ToolRunner.run(
        "rescore-nbest", ["--model", model, "--nbest-dir", archive, "--ref", reference, "--out", out],
        currentDirectory: root)
      #expect(ok.status == 0 && !ok.signaled, "\(out): \(ok.stderr)")
      #expect(FileManager.default.fileExists(atPath: root + "/" + out + "/text"))
      try FileManager.default.removeItem(atPath: root + "/" + out.split(separator: "/")[0])
      let failed = try ToolRunner.run(
        "rescore-nbest", ["--model", reference, "--nbest-dir", archive, "--ref", reference, "--out", out],
        currentDirectory: root)
      _ = Self.expectOneError(failed, "rescore-nbest")
      #expect(!FileManager.default.fileExists(atPath: root + "/" + out.split(separator: "/")[0]), "\(out) left behind")
    }
    let zero = try ToolRunner.run(
      "rescore-nbest",
      ["--model", model, "--nbest-dir", archive, "--ref", reference, "--out", "o", "--lm-weights", "0,10"],
      currentDirectory: root)
    #expect(zero.status == 64 && zero.stderr.contains("every LM weight (LMWT) must be positive, got 0"))
  }

  @Test func rescoreNBestRefusesEveryInputAsAnOutput() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let out = root + "/out"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: model, toPath: out + "/lmwt.rnn")
    try ToolRunner.write(["out/wer_10_0_rnn0.5": "\\data\\\n", "cued/text": "u1 x\n"], in: root)
    let cases: [(arguments: [String], output: String, input: String)] = [
      (
        ["--model", model, "--nbest-dir", archive, "--ref", reference, "--out", root], root + "/text",
        "--ref '\(reference)'"
      ),
      (
        ["--model", out + "/lmwt.rnn", "--nbest-dir", archive, "--out", out], out + "/lmwt.rnn",
        "--model '\(out)/lmwt.rnn'"
      ),
      (
        [
          "--model", model, "--nbest-dir", archive, "--ref", reference, "--arpa", out + "/wer_10_0_rnn0.5", "--out",
          out,
        ],
        out + "/wer_10_0_rnn0.5", "--arpa '\(out)/wer_10_0_rnn0.5'"
      ),
      (
        ["--model", model, "--format", "cued", "--nbest-dir", root + "/cued/text", "--out", root + "/cued"],
        root + "/cued/text", "--nbest-dir '\(root)/cued/text'"
      ),
      // Last: a file of the N-best directory hard-linked as the output text.
      (
        ["--model", model, "--nbest-dir", archive, "--out", out], out + "/text",
        "'\(archive)/acwt' (in --nbest-dir '\(archive)')"
      ),
    ]
    // The %WER lines appended to the reference.
    let appended = try ToolRunner.runShell(
      "rescore-nbest --model '\(model)' --nbest-dir '\(archive)' --ref '\(reference)' --out '\(root)/x' >> '\(reference)'"
    )
    #expect(
      Self.expectOneError(appended, "rescore-nbest")
        == "ERROR (rescore-nbest): standard output: output would overwrite the input --ref '\(reference)'; write it elsewhere"
    )
    for (arguments, output, input) in cases {
      if output == out + "/text" { try FileManager.default.linkItem(atPath: archive + "/acwt", toPath: out + "/text") }
      let before = fileSnapshot(of: root)
      let result = try ToolRunner.run("rescore-nbest", arguments)
      let error = Self.expectOneError(result, "rescore-nbest")
      #expect(
        error.hasPrefix("ERROR (rescore-nbest): \(output): output would overwrite the input \(input)"), "\(error)")
      #expect(fileSnapshot(of: root) == before, "\(arguments)")
    }
  }

  /// Two inputs: the second one's last cost is bad, so the run fails after the first input's
  /// tables are written; and a directory in the way of a wer_ file fails when publishing.
  @Test func aRunThatFailsLateLeavesEveryPreviousOutputByteIdentical() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    for name in ["words_text", "acwt", "lmwt.nolm", "lmwt.lmonly"] {
      let lines = (ToolRunner.read(archive + "/" + name) ?? "").split(separator: "\n").map { "v" + $0.dropFirst() }
      try ToolRunner.write(["b/archives.2/" + name: lines.joined(separator: "\n") + "\n"], in: root)
    }
    let out = root + "/exp"
    let arguments = [
      "--model", try RescoringFixture.model(), "--nbest-dir", archive, "--nbest-dir", root + "/b/archives.2", "--ref",
      reference, "--rnn-weights", "0,1", "--lm-weights", "5:6", "--out", out,
    ]
    let first = try ToolRunner.run("rescore-nbest", arguments)
    #expect(first.status == 0, "\(first.stderr)")
    let before = fileSnapshot(of: out)
    #expect(before.keys.contains("archives.1/lmwt.rnn") && before.keys.contains("wer_6_0_rnn1"))

    let acwt = ToolRunner.read(root + "/b/archives.2/acwt") ?? ""
    try ToolRunner.write(["b/archives.2/acwt": acwt.dropLast(2) + "x\n"], in: root)
    let failed = try ToolRunner.run("rescore-nbest", arguments + ["--unk-penalty", "10"])
    let error = Self.expectOneError(failed, "rescore-nbest")
    #expect(error.hasPrefix("ERROR (rescore-nbest): \(root)/b/archives.2/acwt:9: "), "\(error)")
    #expect(fileSnapshot(of: out) == before)

    try ToolRunner.write(["b/archives.2/acwt": acwt], in: root)
    try FileManager.default.removeItem(atPath: out + "/wer_5_0_rnn1")
    try FileManager.default.createDirectory(atPath: out + "/wer_5_0_rnn1", withIntermediateDirectories: false)
    let blocked = try ToolRunner.run("rescore-nbest", arguments + ["--unk-penalty", "10"])
    #expect(
      Self.expectOneError(blocked, "rescore-nbest")
        == "ERROR (rescore-nbest): \(out)/wer_5_0_rnn1: cannot write: a directory has this name")
    var expected = before
    expected["wer_5_0_rnn1"] = nil
    #expect(fileSnapshot(of: out) == expected)
  }

  /// `ulimit -f` without trapping SIGXFSZ: a clean write error, no temporary file, the
  /// previous outputs (or nothing) left; stdout redirected to a file likewise.
  @Test func aFileSizeLimitIsAWriteError() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let out = root + "/exp"
    let rescore = "rescore-nbest --model '\(model)' --nbest-dir '\(archive)' --ref '\(reference)' --out '\(out)'"
    #expect(try ToolRunner.runShell(rescore + " > /dev/null").status == 0)
    let before = fileSnapshot(of: out)
    let limited = try ToolRunner.runShell("ulimit -f 0; " + rescore + " > /dev/null")
    let error = Self.expectOneError(limited, "rescore-nbest")
    #expect(
      error.hasPrefix("ERROR (rescore-nbest): \(out)/") && error.hasSuffix(": write failed: File too large"), "\(error)"
    )
    #expect(fileSnapshot(of: out) == before)

    // A larger input under a limit of 8 KiB per file: the sweep's scratch file or a table
    // reaches it first; the error names where.
    var files = ["words_text": "", "acwt": "", "lmwt.nolm": "", "lmwt.lmonly": ""]
    for utterance in 0..<300 {
      for rank in 1...3 {
        let key = "utt\(utterance)-\(rank)"
        files["words_text"]! += "\(key) the cat sat on the mat\n"
        files["acwt"]! += "\(key) \(100 + rank)\n"
        files["lmwt.nolm"]! += "\(key) 0.5\n"
        files["lmwt.lmonly"]! += "\(key) \(20 + rank)\n"
      }
    }
    try ToolRunner.write(Dictionary(uniqueKeysWithValues: files.map { ("large/" + $0.key, $0.value) }), in: root)
    let large = "rescore-nbest --model '\(model)' --nbest-dir '\(root)/large' --out '\(out)'"
    let largeLimited = try ToolRunner.runShell("ulimit -f 8; " + large)
    let largeError = Self.expectOneError(largeLimited, "rescore-nbest")
    #expect(
      largeError.hasPrefix("ERROR (rescore-nbest): \(out)") && largeError.hasSuffix("failed: File too large"),
      "\(largeError)")
    #expect(fileSnapshot(of: out) == before)

    try ToolRunner.write(["plain.txt": "the cat sat on the mat\na dog ran\n"], in: root)
    for (tool, command) in [
      ("rnnlm-score", "rnnlm-score --model '\(model)' --text '\(root)/plain.txt'"),
      ("rnnlm-eval", "rnnlm-eval --model '\(model)' --text '\(root)/plain.txt'"),
    ] {
      let result = try ToolRunner.runShell("ulimit -f 0; \(command) > '\(root)/\(tool).out'")
      #expect(
        Self.expectOneError(result, tool) == "ERROR (\(tool)): standard output: write failed: File too large", "\(tool)"
      )
    }
    #expect(!(try FileManager.default.contentsOfDirectory(atPath: root)).contains { $0.hasPrefix(".") })
  }

  /// Standard output appended to the text or the model: refused before reading, the file kept.
  @Test(arguments: ["rnnlm-score", "rnnlm-eval"])
  func standardOutputOnAnInputIsRefused(tool: String) throws {
    let root = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let text = "the cat sat on the mat\na dog ran\n"
    try ToolRunner.write(["plain.txt": text], in: root)
    try FileManager.default.copyItem(atPath: try RescoringFixture.model(), toPath: root + "/model.mdl")
    let model = FileManager.default.contents(atPath: root + "/model.mdl")
    let command = "\(tool) --model '\(root)/model.mdl' --text '\(root)/plain.txt'"
    for (redirect, option, file) in [
      (">> '\(root)/plain.txt'", "--text", "plain.txt"), (">> '\(root)/model.mdl'", "--model", "model.mdl"),
    ] {
      let result = try ToolRunner.runShell(command + " " + redirect)
      #expect(
        Self.expectOneError(result, tool)
          == "ERROR (\(tool)): standard output: output would overwrite the input \(option) '\(root)/\(file)'; write it elsewhere"
      )
    }
    #expect(ToolRunner.read(root + "/plain.txt") == text)
    #expect(FileManager.default.contents(atPath: root + "/model.mdl") == model)
    #expect(try ToolRunner.runShell(command + " > '\(root)/costs'").status == 0)
  }
}
