import Foundation
import Testing

@Suite struct RescoreNBestCLITests {
  @Test func sweepWritesTablesTextAndWERLines() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let out = root + "/exp"
    let result = try ToolRunner.run(
      "rescore-nbest",
      [
        "--model", try RescoringFixture.model(), "--nbest-dir", archive, "--ref", reference, "--rnn-weights", "0,1",
        "--lm-weights", "5:6", "--wip", "0", "--out", out, "--unk-penalty", "10",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").filter { !$0.hasPrefix("# ") }  // the summary
    #expect(lines.count == 5)  // 2 x 2 settings, then the best
    #expect(lines.allSatisfy { $0.hasPrefix("%WER ") && $0.contains(out + "/wer_") })
    #expect(lines.last.map { lines.dropLast().contains($0) } == true)
    for name in ["lmwt.rnn", "lmwt.interp.0", "lmwt.interp.1", "text", "wer_5_0_rnn0", "wer_6_0_rnn1"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
    }
    let rnn = ToolRunner.read(out + "/lmwt.rnn") ?? ""
    #expect(rnn.split(separator: "\n").count == 9)
    #expect(ToolRunner.read(out + "/text")?.split(separator: "\n").count == 3)
    // With w = 0 the interpolated cost is nolm + lmonly.
    #expect(ToolRunner.read(out + "/lmwt.interp.0")?.hasPrefix("u1-1 20.500000\n") == true)
  }

  /// `--unk-penalties` adds the OOV cost to the grid: every line names it, and the WER of each
  /// setting equals a run with that single `--unk-penalty`.
  @Test func oovCostSweepMatchesSingleCostRuns() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let model = try RescoringFixture.model()
    let grid = ["--ref", reference, "--rnn-weights", "1", "--lm-weights", "5", "--wip", "0"]
    let swept = try ToolRunner.run(
      "rescore-nbest",
      ["--model", model, "--nbest-dir", archive, "--out", root + "/s", "--unk-penalties", "0,10"] + grid)
    #expect(swept.status == 0, "\(swept.stderr)")
    let lines = swept.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("# ") }
    #expect(lines.count == 3)
    for (index, cost) in ["0", "10"].enumerated() {
      let single = try ToolRunner.run(
        "rescore-nbest",
        ["--model", model, "--nbest-dir", archive, "--out", root + "/\(cost)", "--unk-penalty", cost] + grid)
      #expect(single.status == 0, "\(single.stderr)")
      let expected = try #require(single.stdout.split(separator: "\n").first).split(separator: " ").prefix(11)
      #expect(lines[index].hasSuffix("/wer_5_0_rnn1_unk\(cost)"))
      #expect(lines[index].split(separator: " ").prefix(11) == expected)
    }
  }

  @Test func defaultOutputsGoIntoTheArchiveDirectory() throws {
    let (_, archive, _) = try RescoringFixture.archive()
    let result = try ToolRunner.run(
      "rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--unnormalized"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    for name in ["lmwt.rnn", "lmwt.interp.0.5", "text"] {
      #expect(FileManager.default.fileExists(atPath: archive + "/" + name), "\(name)")
    }
  }

  @Test func reusedCostsGiveTheSameSweep() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let grid = ["--ref", reference, "--rnn-weights", "0:0.5:1", "--lm-weights", "4:6"]
    let first = try ToolRunner.run(
      "rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--out", root + "/a"] + grid)
    #expect(first.status == 0, "\(first.stderr)")
    let reused = try ToolRunner.run(
      "rescore-nbest", ["--reuse-rnn-costs", "--nbest-dir", archive, "--out", root + "/a"] + grid)
    #expect(reused.status == 0, "\(reused.stderr)")
    #expect(reused.stdout == first.stdout)
  }

  @Test func shardsCoverEveryHypothesisOnce() throws {
    let (root, archive, _) = try RescoringFixture.archive()
    var keys: [String] = []
    for job in 1...2 {
      let result = try ToolRunner.run(
        "rescore-nbest",
        [
          "--model", try RescoringFixture.model(), "--nbest-dir", archive, "--shard", "\(job)/2", "--out",
          root + "/\(job)",
        ])
      #expect(result.status == 0, "\(result.stderr)")
      keys += (ToolRunner.read(root + "/\(job)/lmwt.rnn") ?? "").split(separator: "\n").map {
        String($0.split(separator: " ")[0])
      }
    }
    #expect(keys.sorted() == ["u1-1", "u1-2", "u1-3", "u2-1", "u2-2", "u2-3", "u3-1", "u3-2", "u3-3"])
    #expect(keys.filter { $0.hasPrefix("u2") }.count == 3)
  }

  /// The shard jobs' tables, given as parts `lmwt.rnn.J`, give the sweep of one whole run;
  /// their concatenation is refused (it is not in the order of the lists).
  @Test func shardTablesAsPartsGiveTheWholeRunsSweep() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    let model = try RescoringFixture.model()
    let grid = ["--ref", reference, "--rnn-weights", "0:0.5:1", "--lm-weights", "4:6"]
    let whole = try ToolRunner.run(
      "rescore-nbest", ["--model", model, "--nbest-dir", archive, "--out", root + "/w"] + grid)
    #expect(whole.status == 0, "\(whole.stderr)")
    try FileManager.default.createDirectory(atPath: root + "/p", withIntermediateDirectories: true)
    var concatenated = ""
    for job in 1...2 {
      let shard = try ToolRunner.run(
        "rescore-nbest", ["--model", model, "--nbest-dir", archive, "--shard", "\(job)/2", "--out", root + "/s\(job)"])
      #expect(shard.status == 0, "\(shard.stderr)")
      concatenated += ToolRunner.read(root + "/s\(job)/lmwt.rnn") ?? ""
      try FileManager.default.moveItem(atPath: root + "/s\(job)/lmwt.rnn", toPath: root + "/p/lmwt.rnn.\(job)")
    }
    let merged = try ToolRunner.run(
      "rescore-nbest", ["--reuse-rnn-costs", "--nbest-dir", archive, "--out", root + "/p"] + grid)
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(
      merged.stdout.replacingOccurrences(of: root + "/p/", with: "")
        == whole.stdout.replacingOccurrences(of: root + "/w/", with: ""))
    #expect(ToolRunner.read(root + "/p/lmwt.rnn") == ToolRunner.read(root + "/w/lmwt.rnn"))
    try ToolRunner.write(["c/lmwt.rnn": concatenated], in: root)
    let refused = try ToolRunner.run(
      "rescore-nbest", ["--reuse-rnn-costs", "--nbest-dir", archive, "--out", root + "/c"] + grid)
    #expect(refused.status == 1)
    #expect(
      refused.stderrLines.last?.hasPrefix("ERROR (rescore-nbest): \(root)/c/lmwt.rnn: no RNN cost for utterance 'u2'")
        == true)
  }

  @Test func threadsDoNotChangeTheOutputs() throws {
    let (root, archive, _) = try RescoringFixture.archive()
    for threads in ["1", "2"] {
      let result = try ToolRunner.run(
        "rescore-nbest",
        [
          "--model", try RescoringFixture.model(), "--nbest-dir", archive, "--threads", threads, "--out",
          root + "/t" + threads,
        ])
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(ToolRunner.read(root + "/t1/lmwt.rnn") == ToolRunner.read(root + "/t2/lmwt.rnn"))
  }

  @Test func missingInputFileIsAnErrorNamingIt() throws {
    let (_, archive, _) = try RescoringFixture.archive()
    try FileManager.default.removeItem(atPath: archive + "/acwt")
    let result = try ToolRunner.run("rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", archive])
    #expect(result.status == 1)
    #expect(result.stderr.split(separator: "\n").last?.hasPrefix("ERROR (rescore-nbest): \(archive): ") == true)
    #expect(result.stderr.contains("acwt"))
  }

  @Test func missingNBestDirectoryIsAnErrorNamingIt() throws {
    let missing = try ToolRunner.temporaryDirectory() + "/no-such-archive"
    let result = try ToolRunner.run("rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", missing])
    #expect(result.status == 1)
    #expect(result.stderr.split(separator: "\n").last == "ERROR (rescore-nbest): \(missing): no such file or directory")
    #expect(!FileManager.default.fileExists(atPath: missing))
  }

  @Test func malformedCostIsAnErrorWithFileAndLine() throws {
    let (_, archive, _) = try RescoringFixture.archive()
    try ToolRunner.write(["lmwt.nolm": "u1-1 0.5\nu1-2 zero\n"], in: archive)
    let result = try ToolRunner.run("rescore-nbest", ["--model", try RescoringFixture.model(), "--nbest-dir", archive])
    #expect(result.status == 1)
    #expect(
      result.stderr.split(separator: "\n").last?.hasPrefix("ERROR (rescore-nbest): \(archive)/lmwt.nolm:2: ") == true)
  }

  @Test func usageErrors() throws {
    let (_, archive, reference) = try RescoringFixture.archive()
    for arguments in [
      ["--nbest-dir", archive],  // no model
      ["--reuse-rnn-costs", "--model", "m", "--nbest-dir", archive],
      ["--model", "m", "--nbest-dir", archive, "--shard", "1/2"],  // shard without --out
      ["--model", "m", "--nbest-dir", archive, "--shard", "1/2", "--out", "x", "--ref", reference],
      ["--model", "m", "--nbest-dir", archive, "--unk-penalty", "1", "--oov-types", "5"],
      ["--model", "m", "--nbest-dir", archive, "--unk-penalties", "0:5:10", "--unk-penalty", "1"],
      ["--reuse-rnn-costs", "--nbest-dir", archive, "--unk-penalties", "0:5:10"],
    ] {
      let result = try ToolRunner.run("rescore-nbest", arguments)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("ERROR (rescore-nbest): "))
    }
  }
}
