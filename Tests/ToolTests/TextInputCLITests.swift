import Foundation
import Testing

/// The text rules seen from the tools: rspecifiers for `rescore-nbest --ref` and
/// `rnnlm-score --utt-ids`, the byte-order-mark error line, and one `<s>` rule for
/// `rnnlm-score` and `rnnlm-eval`.
@Suite struct TextInputCLITests {
  /// The `%WER` part of each output line (without the `wer_*` path, which names the out dir).
  static func werFigures(_ stdout: String) -> [String] {
    // The %WER lines (the '#' summary lines repeat some of them).
    stdout.split(separator: "\n").filter { $0.hasPrefix("%WER") }.map { String($0.split(separator: "]").first ?? "") }
  }

  @Test func referenceTakesEveryRspecifierForm() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let grid = ["--rnn-weights", "0,1", "--lm-weights", "5", "--wip", "0"]
    func run(_ ref: String, stdin: String? = nil, out: String) throws -> ToolRunner.Result {
      try ToolRunner.run(
        "rescore-nbest", ["--model", model, "--nbest-dir", archive, "--ref", ref, "--out", root + "/" + out] + grid,
        stdin: stdin)
    }
    let plain = try run(reference, out: "plain")
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(Self.werFigures(plain.stdout).count == 3)
    let referenceText = try String(contentsOfFile: reference, encoding: .utf8)
    let forms: [(String, String?)] = [
      ("ark:" + reference, nil), ("ark,t:" + reference, nil), ("ark,s,cs:" + reference, nil),
      ("ark,p:" + reference, nil),
      ("ark:cat \(reference) |", nil), ("cat \(reference) |", nil), ("ark,t:-", referenceText), ("-", referenceText),
    ]
    for (index, (form, stdin)) in forms.enumerated() {
      let result = try run(form, stdin: stdin, out: "form\(index)")
      #expect(result.status == 0, "\(form): \(result.stderr)")
      #expect(Self.werFigures(result.stdout) == Self.werFigures(plain.stdout), "\(form)")
    }
    let unsorted = root + "/unsorted.txt"
    try ToolRunner.write(["unsorted.txt": "u2 the dog ran\nu1 the cat sat on the mat\nu3 a big dog sat\n"], in: root)
    let refused = try run("ark,s:" + unsorted, out: "unsorted")
    #expect(refused.status == 1)
    #expect(
      refused.stderrLines.last?.hasPrefix("ERROR (rescore-nbest): \(unsorted):2: key 'u1' comes after 'u2'") == true,
      "\(refused.stderr)")
  }

  /// A byte-order mark is one error line naming the file and line 1, in every tool.
  @Test func byteOrderMarkIsOneErrorLineInEveryTool() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let marked = directory + "/marked"
    let created = FileManager.default.createFile(
      atPath: marked, contents: Data([0xEF, 0xBB, 0xBF] + Array("u1 the cat\n".utf8)))
    #expect(created)
    try ToolRunner.write(["plain": "u1 the cat\n"], in: directory)
    let model = try RescoringFixture.model()
    let runs: [(String, [String])] = [
      ("compute-wer", [marked, directory + "/plain"]),
      ("compute-wer", ["ark:" + directory + "/plain", "ark,t:" + marked]),
      ("rnnlm-score", ["--model", model, "--text", marked]),
      ("rnnlm-score", ["--model", model, "--text", marked, "--utt-ids"]),
      ("rnnlm-eval", ["--model", model, "--text", marked]),
      ("rnnlm-train", ["--train-text", marked, "--save", directory + "/m.mdl", "--epochs", "1"]),
    ]
    for (tool, arguments) in runs {
      let result = try ToolRunner.run(tool, arguments)
      #expect(result.status == 1, "\(tool) \(arguments)")
      #expect(
        result.stderrLines.last?.hasPrefix("ERROR (\(tool)): \(marked):1: starts with a UTF-8 byte-order mark") == true,
        "\(tool): \(result.stderr)")
    }
    // rescore-nbest: a marked reference, then a marked file of the N-best archive.
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    for path in [reference, archive + "/acwt"] {
      let content = try #require(FileManager.default.contents(atPath: path))
      #expect(FileManager.default.createFile(atPath: path, contents: Data([0xEF, 0xBB, 0xBF]) + content))
      let result = try ToolRunner.run(
        "rescore-nbest",
        ["--model", model, "--nbest-dir", archive, "--ref", "ark:" + reference, "--out", root + "/out"])
      #expect(result.status == 1)
      #expect(
        result.stderrLines.last?.hasPrefix("ERROR (rescore-nbest): \(path):1: starts with a UTF-8 byte-order mark")
          == true,
        "\(result.stderr)")
      #expect(FileManager.default.createFile(atPath: path, contents: content))
    }
  }

  /// One rule for `<s>`/`</s>` inside a sentence: the same error line from both tools.
  @Test(arguments: ["<s>", "</s>"])
  func boundaryWordInsideASentenceIsRefusedByScoreAndEval(word: String) throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["text": "the cat sat\na \(word) dog ran\n"], in: directory)
    let model = try RescoringFixture.model()
    let text = directory + "/text"
    let message = "\(text):2: reserved word '\(word)' inside a sentence (sentence boundaries are implicit; remove it)"
    for (tool, extra) in [("rnnlm-score", []), ("rnnlm-score", ["--utt-ids"]), ("rnnlm-eval", [])] {
      let result = try ToolRunner.run(tool, ["--model", model, "--text", text] + extra)
      #expect(result.status == 1, "\(tool)")
      #expect(result.stderrLines.last == "ERROR (\(tool)): \(message)", "\(tool): \(result.stderr)")
    }
  }

  /// With --utt-ids the text is a Kaldi table: an rspecifier, blank lines skipped, any of
  /// Kaldi's whitespace between fields.
  @Test func keyedScoringReadsATableFromAnRspecifier() throws {
    let model = try RescoringFixture.model()
    let table = "s1 the cat sat\n\n s2\tthe\u{0B}dog\u{0C}ran \r\n"
    let plain = try ToolRunner.run(
      "rnnlm-score", ["--model", model, "--text", "-"], stdin: "the cat sat\nthe dog ran\n")
    let keyed = try ToolRunner.run("rnnlm-score", ["--model", model, "--text", "ark,t:-", "--utt-ids"], stdin: table)
    #expect(plain.status == 0 && keyed.status == 0, "\(keyed.stderr)")
    let costs = plain.stdout.split(separator: "\n")
    #expect(keyed.stdout == "s1 \(costs[0])\ns2 \(costs[1])\n")
  }
}
