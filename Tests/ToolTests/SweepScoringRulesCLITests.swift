import Foundation
import Testing

/// `rescore-nbest --ref` scoring as score_kaldi.sh (issue 13.1), `best_weights` and the summary
/// (13.2), and the sweep's refusals (issue 12).
@Suite struct SweepScoringRulesCLITests {
  static let nbestDev: String? = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../shared/data/nbest-dev").standardized.path
    return FileManager.default.fileExists(atPath: path + "/archives.1/words_text") ? path : nil
  }()

  /// The fixture's references plus `u0` and `u9`, which have no N-best list.
  static func referenceWithMissingUtterances(_ root: String) throws -> String {
    let path = root + "/text.more"
    try ToolRunner.write(
      [
        "text.more":
          "u0 an extra one\nu1 the cat sat on the mat\nu2 the dog ran\nu3 a big dog sat\nu9 also missing\n"
      ], in: root)
    return path
  }

  @Test func modesFollowScoreKaldiAndComputeWER() throws {
    let (root, archive, _) = try RescoringFixture.archive()
    let reference = try Self.referenceWithMissingUtterances(root)
    func run(_ mode: [String], out: String) throws -> ToolRunner.Result {
      try ToolRunner.run(
        "rescore-nbest",
        [
          "--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", root + "/" + out, "--ref",
          reference,
        ]
          + ["--rnn-weights", "0", "--lm-weights", "10", "--wip", "0"] + mode)
    }
    let present = try run([], out: "present")
    #expect(present.status == 0, "\(present.stderr)")
    let presentLine = try #require(present.stdout.split(separator: "\n").first)
    #expect(presentLine.hasSuffix("[PARTIAL] \(root)/present/wer_10_0_rnn0"))
    #expect(
      ToolRunner.read(root + "/present/wer_10_0_rnn0")?.hasSuffix("Scored 3 sentences, 2 not present in hyp.\n") == true
    )
    // The same as compute-wer --mode=present on the selection.
    let computeWER = try ToolRunner.run("compute-wer", ["--mode=present", reference, root + "/present/text"])
    #expect(ToolRunner.read(root + "/present/wer_10_0_rnn0") == computeWER.stdout)

    let all = try run(["--mode", "all"], out: "all")
    #expect(all.status == 0, "\(all.stderr)")
    let computeAll = try ToolRunner.run("compute-wer", ["--mode=all", reference, root + "/all/text"])
    #expect(ToolRunner.read(root + "/all/wer_10_0_rnn0") == computeAll.stdout)
    #expect(computeAll.stdout.hasSuffix("Scored 5 sentences, 2 not present in hyp.\n"))
    #expect(computeAll.stdout != computeWER.stdout)

    let strict = try run(["--mode=strict"], out: "strict")
    #expect(strict.status == 1)
    #expect(
      strict.stderrLines.last?.hasPrefix(
        "ERROR (rescore-nbest): \(reference): no N-best list for reference 'u0' (--mode=strict") == true)
    #expect(!FileManager.default.fileExists(atPath: root + "/strict/text"))
  }

  /// The same --map and --ignore-words files give the same WER in compute-wer and in the sweep.
  @Test func normalizationOptionsAreComputeWERs() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    try ToolRunner.write(["map.txt": "mat rug\nA the\n", "ignore.txt": "big\non\n"], in: root)
    let options = ["--map", root + "/map.txt", "--ignore-words", root + "/ignore.txt", "--ignore-case"]
    let sweep = try ToolRunner.run(
      "rescore-nbest",
      ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", root + "/n", "--ref", reference]
        + ["--rnn-weights", "0,1", "--lm-weights", "1:20", "--wip", "0"] + options)
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let best = try #require(sweep.stdout.split(separator: "\n").last)
    let name = try #require(best.split(separator: "/").last)
    let computeWER = try ToolRunner.run("compute-wer", options + [reference, root + "/n/text"])
    #expect(computeWER.status == 0, "\(computeWER.stderr)")
    #expect(ToolRunner.read(root + "/n/" + name) == computeWER.stdout)
    // Without the options the counts differ (the test would not see a dropped option).
    let plain = try ToolRunner.run("compute-wer", [reference, root + "/n/text"])
    #expect(plain.stdout != computeWER.stdout)
  }

  @Test func hypothesisFilterAppliesToEverySettingAndToTheReferences() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let sweep = try ToolRunner.run(
      "rescore-nbest",
      ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", root + "/f", "--ref", reference]
        + ["--rnn-weights", "0", "--lm-weights", "1:3", "--wip", "0", "--hyp-filter", "sed 's/ the / /g'"])
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let filter = "sed 's/ the / /g'"
    let filtered = try ToolRunner.runShell(
      "\(filter) < '\(reference)' > '\(root)/ref.f'; \(filter) < '\(root)/f/text' > '\(root)/hyp.f'")
    #expect(filtered.status == 0)
    let best = try #require(sweep.stdout.split(separator: "\n").last)
    let name = try #require(best.split(separator: "/").last)
    let computeWER = try ToolRunner.run("compute-wer", [root + "/ref.f", root + "/hyp.f"])
    #expect(ToolRunner.read(root + "/f/" + name) == computeWER.stdout)
    // A failing filter is one ERROR line.
    let failing = try ToolRunner.run(
      "rescore-nbest",
      ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", root + "/g", "--ref", reference]
        + ["--hyp-filter", "exit 3", "--ref-filter", "cat"])
    #expect(failing.status == 1)
    #expect(failing.stderrLines.last?.hasPrefix("ERROR (rescore-nbest): --hyp-filter: 'exit 3': ") == true)
  }

  @Test func usageErrors() throws {
    let (_, archive, reference) = try RescoringFixture.archive()
    for arguments in [
      ["--model", "m", "--nbest-dir", archive, "--arpa", "a", "--interpolation", "linear", "--rnn-weights", "2"],
      ["--model", "m", "--nbest-dir", archive, "--arpa", "a", "--interpolation", "linear", "--rnn-weights=-0.5,0.5"],
      ["--model", "m", "--nbest-dir", archive, "--mode", "all"],  // scoring options need --ref
      ["--model", "m", "--nbest-dir", archive, "--hyp-filter", "cat"],
      ["--model", "m", "--nbest-dir", archive, "--ref", reference, "--mode", "some"],
    ] {
      let result = try ToolRunner.run("rescore-nbest", arguments)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("ERROR (rescore-nbest): "), "\(arguments)")
    }
  }

  /// --reuse-rnn-costs logs its table and refuses an old lmwt.rnn next to newer parts.
  @Test func reusedTablesAreLoggedAndStaleOnesRefused() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let out = root + "/r"
    let first = try ToolRunner.run(
      "rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", out])
    #expect(first.status == 0, "\(first.stderr)")
    let reuse = ["--reuse-rnn-costs", "--nbest-dir", archive, "--out", out, "--ref", reference, "--lm-weights", "5:6"]
    let reused = try ToolRunner.run("rescore-nbest", reuse)
    #expect(reused.status == 0, "\(reused.stderr)")
    #expect(reused.stderr.contains("RNN costs from \(out)/lmwt.rnn"))
    // New parts next to the old whole table: refused, nothing rewritten.
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: out + "/lmwt.rnn")
    let text = ToolRunner.read(out + "/text")
    try ToolRunner.write(["lmwt.rnn.1": ToolRunner.read(out + "/lmwt.rnn") ?? ""], in: out)
    let stale = try ToolRunner.run("rescore-nbest", reuse)
    #expect(stale.status == 1)
    #expect(stale.stderrLines.count >= 1)
    #expect(
      stale.stderrLines.last?.contains("and the part \(out)/lmwt.rnn.1 are present, and the part is newer") == true)
    #expect(ToolRunner.read(out + "/text") == text)
  }

  /// best_weights written on nbest-dev, applied with --config to the same set, selects exactly
  /// the best setting's hypotheses; the summary lines come between the list and the best line.
  @Test(.enabled(if: nbestDev != nil, "needs ../shared/data/nbest-dev"))
  func bestWeightsReproducesTheSelectionOnNBestDev() throws {
    let data = try #require(Self.nbestDev)
    let root = try ToolRunner.temporaryDirectory()
    let model = try RescoringFixture.model()
    let sweep = try ToolRunner.run(
      "rescore-nbest",
      ["--model", model, "--nbest-dir", data + "/archives.1", "--out", root + "/dev", "--ref", data + "/text"]
        + ["--rnn-weights", "0,0.5", "--lm-weights", "8:12", "--wip", "0,0.5", "--unk-penalties", "0,5"])
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let lines = sweep.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2 * 5 * 2 * 2 + 3 + 1)
    #expect(lines.prefix(40).allSatisfy { $0.hasPrefix("%WER ") })
    #expect(lines[40].hasPrefix("# best at rnn-weight 0: "))
    #expect(lines[42].hasPrefix("# without the RNN (rnn-weight 0): "))
    #expect(lines.last!.hasPrefix("%WER "))
    let config = try #require(ToolRunner.read(root + "/dev/best_weights"))
    #expect(config.contains("--unk-penalty="))
    let applied = try ToolRunner.run(
      "rescore-nbest",
      [
        "--config", root + "/dev/best_weights", "--model", model, "--nbest-dir", data + "/archives.1", "--out",
        root + "/test",
      ])
    #expect(applied.status == 0, "\(applied.stderr)")
    let text = try #require(ToolRunner.read(root + "/test/text"))
    #expect(text == ToolRunner.read(root + "/dev/text"))
    #expect(text.split(separator: "\n").count == 150)
    // The selection is the best setting's: compute-wer on it gives the best line's numbers.
    let computeWER = try ToolRunner.run("compute-wer", ["--mode=present", data + "/text", root + "/test/text"])
    let best = lines.last!.split(separator: " ").prefix(11).joined(separator: " ")
    #expect(computeWER.stdout.hasPrefix(best))
  }

  /// 10^7 settings over nbest-dev: refused before scoring, one ERROR line with the size.
  @Test(.enabled(if: nbestDev != nil, "needs ../shared/data/nbest-dev"))
  func tenMillionSettingsAreRefusedBeforeScoring() throws {
    let data = try #require(Self.nbestDev)
    let root = try ToolRunner.temporaryDirectory()
    let result = try ToolRunner.run(
      "rescore-nbest",
      [
        "--model", try RescoringFixture.model(), "--nbest-dir", data + "/archives.1", "--out", root, "--ref",
        data + "/text",
      ]
        + ["--rnn-weights", "0:0.1:0.9", "--lm-weights", "1:1000", "--wip", "0:0.001:0.999"])
    #expect(result.status == 1)
    #expect(
      result.stderrLines.last
        == "ERROR (rescore-nbest): the grids give 10000000 settings (10 RNN weights x 1000 LM weights x 1000 insertion penalties), more than the limit of 100000: the sweep keeps totals per setting and tries every setting on every hypothesis; use coarser grids"
    )
    #expect(result.stderrLines.filter { $0.hasPrefix("ERROR") }.count == 1)
    #expect(!result.stderr.contains("RNN normalized costs"))  // nothing was scored
    #expect(!FileManager.default.fileExists(atPath: root + "/lmwt.rnn"))
  }
}
