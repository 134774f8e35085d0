import Foundation
import Testing

/// `rescore-lattice` end to end: a tiny Kaldi lattice archive, the fixture model, the sweep's
/// outputs, `--config best_weights`, one-line errors with exit codes, untouched earlier outputs.
@Suite struct RescoreLatticeCLITests {
  /// `words.txt`, a two-utterance CompactLattice text archive over the fixture's words, `text`.
  static func lattices() throws -> (root: String, words: String, archive: String, reference: String) {
    let root = try ToolRunner.temporaryDirectory()
    let words = ["<eps>", "the", "cat", "sat", "on", "mat", "dog", "ran", "a", "big", "zebra"]
    let table = words.enumerated().map { "\($1) \($0)" }.joined(separator: "\n") + "\n"
    // u1: "the cat sat" vs "the dog sat" vs "a cat sat on the mat"; u2: "a big dog ran" vs "a zebra ran".
    let archive = """
      u1 \n0\t1\t1\t1.5,10,\n0\t6\t8\t2,12,\n1\t2\t2\t2,20,\n1\t2\t6\t1.8,21,\n2\t3\t3\t1,15,\n3\t0.5,0,\n\
      6\t7\t2\t1,10,\n7\t8\t3\t1,10,\n8\t9\t4\t1,10,\n9\t10\t1\t1,10,\n10\t11\t5\t1,10,\n11\t0.5,0,\n\n\
      u2 \n0\t1\t8\t1,10,\n1\t2\t9\t2,10,\n1\t3\t10\t1,5,\n2\t3\t6\t1,10,\n3\t4\t7\t1,10,\n4\t0.2,0,\n\n
      """
    try ToolRunner.write(
      ["words.txt": table, "lat.txt": archive, "text": "u1 the cat sat\nu2 a big dog ran\n"], in: root)
    return (root, root + "/words.txt", root + "/lat.txt", root + "/text")
  }

  static func expectOneError(_ result: ToolRunner.Result, status: Int32, _ fragments: [String]) {
    #expect(!result.signaled && result.status == status, "\(result.status): \(result.stderr)")
    let errors = result.stderrLines.filter { $0.hasPrefix("ERROR") }
    #expect(errors.count == 1 && errors.first?.hasPrefix("ERROR (rescore-lattice): ") == true, "\(result.stderr)")
    for fragment in fragments { #expect(errors.first?.contains(fragment) == true, "\(fragment): \(result.stderr)") }
  }

  @Test(.enabled(if: ToolRunner.isBuilt("rescore-lattice")))
  func sweepWritesRescoreNBestsOutputsAndBestWeightsReproducesTheText() throws {
    let (root, words, archive, reference) = try Self.lattices()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let base = [
      "--model", try RescoringFixture.model(), "--symbol-table", words, "--lattices", "ark,t:" + archive,
    ]
    let out = root + "/out"
    let sweep = try ToolRunner.run(
      "rescore-lattice",
      base + [
        "--ref", reference, "--rnn-weights", "0,0.5,1", "--lm-weights", "5,10", "--wip", "0,1", "--oracle", "--out",
        out, "--oracle-text", root + "/oracle.txt",
      ])
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let lines = sweep.stdout.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0.hasPrefix("%WER") }.count == 13)
    #expect(lines.contains { $0.hasPrefix("# lattice oracle: 0.00 [ 0 / 7 ]") }, "\(sweep.stdout)")
    let best = try #require(lines.last)
    #expect(best.hasPrefix("%WER") && best.hasSuffix(out + "/" + best.split(separator: "/").last!))
    #expect(ToolRunner.read(root + "/oracle.txt") == "u1 the cat sat\nu2 a big dog ran\n")
    #expect(ToolRunner.read(out + "/oracle_wer")?.hasPrefix("%WER 0.00 [ 0 / 7,") == true)
    #expect(sweep.stderrLines.contains { $0.contains("2 lattices (0 without a complete path)") }, "\(sweep.stderr)")
    let text = try #require(ToolRunner.read(out + "/text"))
    // The best setting, given alone through best_weights, selects the same text.
    let again = try ToolRunner.run(
      "rescore-lattice", base + ["--config", out + "/best_weights", "--out", root + "/again"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(ToolRunner.read(root + "/again/text") == text)
    #expect(again.stdout.isEmpty)
  }

  @Test(.enabled(if: ToolRunner.isBuilt("rescore-lattice")))
  func errorsAreOneLineAndLeaveEarlierOutputs() throws {
    let (root, words, archive, reference) = try Self.lattices()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let base = ["--model", try RescoringFixture.model(), "--symbol-table", words, "--ref", reference]
    let out = root + "/out"
    #expect(try ToolRunner.run("rescore-lattice", base + ["--lattices", archive, "--out", out]).status == 0)
    let before = ToolRunner.read(out + "/text")
    // Usage errors: exit 64.
    Self.expectOneError(
      try ToolRunner.run("rescore-lattice", base + ["--lattices", archive, "--out", out, "--max-arcs", "0"]),
      status: 64, ["--max-arcs must be at least 1"])
    Self.expectOneError(
      try ToolRunner.run(
        "rescore-lattice", base + ["--lattices", archive, "--out", out, "--old-lm", root + "/no.arpa"]),
      status: 1, ["no.arpa"])
    Self.expectOneError(
      try ToolRunner.run(
        "rescore-lattice", base + ["--lattices", archive, "--out", out, "--word-map", root + "/no.map"]),
      status: 1, ["no.map"])
    Self.expectOneError(
      try ToolRunner.run("rescore-lattice", base + ["--lattices", archive, "--out", out, "--nbest", "3"]), status: 64,
      ["--nbest N and --nbest-out DIR go together"])
    Self.expectOneError(
      try ToolRunner.run(
        "rescore-lattice",
        base + ["--lattices", archive, "--out", out, "--rnn-weights", "0,1", "--write-lattices", root + "/w"]),
      status: 64, ["one RNN weight"])
    // An input error names the file and line: exit 1, earlier outputs untouched.
    try ToolRunner.write(["bad.txt": "u1 \n0\t1\t77\t1,1,\n1\n\n"], in: root)
    Self.expectOneError(
      try ToolRunner.run("rescore-lattice", base + ["--lattices", root + "/bad.txt", "--out", out]), status: 1,
      [root + "/bad.txt:1:", "word id 77"])
    // An output that is an input is refused before any work.
    Self.expectOneError(
      try ToolRunner.run(
        "rescore-lattice", base + ["--lattices", archive, "--out", out, "--oracle", "--oracle-text", reference]),
      status: 1, ["output would overwrite the input --ref"])
    #expect(ToolRunner.read(out + "/text") == before)
    #expect(ToolRunner.read(reference) == "u1 the cat sat\nu2 a big dog ran\n")
  }

  @Test(.enabled(if: ToolRunner.isBuilt("rescore-lattice")))
  func nbestArchiveIsReadByRescoreNBest() throws {
    let (root, words, archive, reference) = try Self.lattices()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let result = try ToolRunner.run(
      "rescore-lattice",
      [
        "--model", model, "--symbol-table", words, "--lattices", archive, "--out", root + "/out", "--nbest", "3",
        "--nbest-out", root + "/nbest", "--rnn-weights", "0.5", "--lm-weights", "10",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(ToolRunner.read(root + "/nbest/words_text")?.split(separator: "\n").count == 5)
    // rescore-nbest at RNN weight 0 keeps the lattice's 1-best (the archive's LM cost is the rescored one).
    let nbest = try ToolRunner.run(
      "rescore-nbest",
      [
        "--model", model, "--nbest-dir", root + "/nbest", "--out", root + "/nb", "--rnn-weights", "0", "--lm-weights",
        "10", "--ref", reference,
      ])
    #expect(nbest.status == 0, "\(nbest.stderr)")
    #expect(ToolRunner.read(root + "/nb/text") == ToolRunner.read(root + "/out/text"))
  }
}
