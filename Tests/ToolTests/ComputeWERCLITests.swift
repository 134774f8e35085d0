import Foundation
import TestSupport
import Testing

/// `compute-wer` as a user runs it: Kaldi's argument forms, its three output lines, the
/// `--details` directory and the normalization options, end to end through the binary.
@Suite struct ComputeWERCLITests {
  /// References with CRLF endings, a non-Latin utterance and one key missing from the
  /// hypotheses; hypotheses with a key that has no reference (ignored, as in Kaldi).
  static let files = [
    "ref": "spk1-u1 the cat sat\r\nspk1-u2 a b c d\r\nspk2-u3 你好 世界\r\nspk2-u4 gone here\r\n",
    "hyp": "spk1-u1 the cat sat\nspk1-u2 a x c d e\nspk2-u3 你好\nextra-u9 not scored\n",
  ]

  func directory() throws -> String {
    let directory = try ToolRunner.temporaryDirectory()
    try ToolRunner.write(Self.files, in: directory)
    return directory
  }

  @Test func everyKaldiArgumentFormGivesTheSameThreeLines() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let expected = """
      %WER 33.33 [ 3 / 9, 1 ins, 1 del, 1 sub ] [PARTIAL]
      %SER 66.67 [ 2 / 3 ]
      Scored 3 sentences, 1 not present in hyp.

      """
    let ref = dir + "/ref"
    let hyp = dir + "/hyp"
    let hypText = try String(contentsOfFile: hyp, encoding: .utf8)
    let forms: [([String], String?)] = [
      (["--mode=present", ref, hyp], nil),
      (["--mode", "present", "ark:" + ref, "ark,t:" + hyp], nil),
      (["--mode=present", "--text", "ark,s,cs:" + ref, "ark,p:-"], hypText),
      (["--mode=present", ref, "-"], hypText),
      (["--mode=present", "ark:cat '\(ref)' |", "ark,t:grep -v '^extra' '\(hyp)' |"], nil),
    ]
    for (arguments, stdin) in forms {
      let result = try ToolRunner.run("compute-wer", arguments, stdin: stdin)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      #expect(result.stdout == expected, "\(arguments)")
    }
    let all = try ToolRunner.run("compute-wer", ["--mode=all", ref, hyp])
    #expect(
      all.stdout == """
        %WER 45.45 [ 5 / 11, 1 ins, 3 del, 1 sub ] [PARTIAL]
        %SER 75.00 [ 3 / 4 ]
        Scored 4 sentences, 1 not present in hyp.

        """)
    let strict = try ToolRunner.run("compute-wer", [ref, hyp])
    #expect(strict.status != 0)
    #expect(strict.stdout.isEmpty)
    #expect(strict.stderrLines.last?.hasPrefix("ERROR (compute-wer): \(hyp): no hypothesis for key 'spk2-u4'") == true)
  }

  @Test func detailsDirectoryHoldsKaldisThreeFiles() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let details = dir + "/wer_details"
    let result = try ToolRunner.run(
      "compute-wer", ["--mode=present", "--details", details, dir + "/ref", dir + "/hyp"])
    #expect(result.status == 0, "\(result.stderr)")
    let perUtterance = try String(contentsOfFile: details + "/per_utt", encoding: .utf8)
    #expect(
      perUtterance == """
        spk1-u1 ref  the  cat  sat
        spk1-u1 hyp  the  cat  sat
        spk1-u1 op    C    C    C 
        spk1-u1 #csid 3 0 0 0
        spk1-u2 ref  a  b  c  d  <eps>
        spk1-u2 hyp  a  x  c  d    e  
        spk1-u2 op   C  S  C  C    I  
        spk1-u2 #csid 3 1 1 0
        spk2-u3 ref  你好    世界 
        spk2-u3 hyp  你好  <eps>
        spk2-u3 op    C    D  
        spk2-u3 #csid 1 0 0 1

        """)
    let ops = try String(contentsOfFile: details + "/ops", encoding: .utf8)
    // C-locale `sort -i` ignores the Chinese bytes, so 你好 sorts first.
    #expect(ops.hasPrefix("correct          你好       你好    1\ncorrect           a        a    1\n"))
    #expect(ops.contains("\ndeletion         世界    <eps>    1\ninsertion     <eps>        e    1\n"))
    #expect(ops.hasSuffix("\nsubstitution      b        x    1\n"))
    // Speakers from the prefix before the first '-': spk1 (2 sentences), spk2 (1).
    let perSpeaker = try String(contentsOfFile: details + "/per_spk", encoding: .utf8)
    let rows = perSpeaker.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    #expect(
      rows.map { $0.prefix(4) } == [
        ["SPEAKER", "id", "#SENT", "#WORD"], ["spk1", "raw", "2", "7"], ["spk1", "sys", "2", "7"],
        ["spk2", "raw", "1", "2"], ["spk2", "sys", "1", "2"], ["SUM", "raw", "3", "9"], ["SUM", "sys", "3", "9"],
      ])
    let directoryListing = try FileManager.default.contentsOfDirectory(atPath: details).sorted()
    #expect(directoryListing == ["ops", "per_spk", "per_utt"])
  }

  @Test func utt2spkNamesTheSpeakersAndMustCoverEveryUtterance() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try ToolRunner.write(
      ["utt2spk": "spk1-u1 alice\nspk1-u2 bob\nspk2-u3 alice\nspk2-u4 bob\n", "short": "spk1-u1 alice\n"],
      in: dir)
    let details = dir + "/d"
    let result = try ToolRunner.run(
      "compute-wer",
      ["--mode=present", "--details=\(details)", "--utt2spk", dir + "/utt2spk", dir + "/ref", dir + "/hyp"])
    #expect(result.status == 0, "\(result.stderr)")
    let perSpeaker = try String(contentsOfFile: details + "/per_spk", encoding: .utf8)
    #expect(perSpeaker.contains("\nalice           raw          2          5 "))
    #expect(perSpeaker.contains("\nbob             raw          1          4 "))
    let missing = try ToolRunner.run(
      "compute-wer",
      ["--mode=present", "--details", dir + "/e", "--utt2spk", dir + "/short", dir + "/ref", dir + "/hyp"])
    #expect(missing.status != 0)
    #expect(missing.stderrLines.last == "ERROR (compute-wer): \(dir)/short: utterance 'spk1-u2' is not in utt2spk")
    #expect(!FileManager.default.fileExists(atPath: dir + "/e"))
  }

  @Test func normalizationOptionsApplyToBothSides() throws {
    let dir = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try ToolRunner.write(
      [
        "ref": "u1 The CAT <unk> sat on the mat\nu2 uh OK then\n",
        "hyp": "u1 the cat sat [noise] on a mat\nu2 okay then um\n",
        "map": "# spelling variants\nok okay\num uh\n",
        "ignore": "<unk> [noise]\nuh\n",
      ], in: dir)
    let plain = try ToolRunner.run("compute-wer", [dir + "/ref", dir + "/hyp"])
    #expect(plain.stdout.hasPrefix("%WER 80.00 [ 8 / 10, "))
    let normalized = try ToolRunner.run(
      "compute-wer",
      ["--ignore-case", "--map", dir + "/map", "--ignore-words", dir + "/ignore", dir + "/ref", dir + "/hyp"])
    #expect(normalized.status == 0, "\(normalized.stderr)")
    #expect(
      normalized.stdout == """
        %WER 12.50 [ 1 / 8, 0 ins, 0 del, 1 sub ]
        %SER 50.00 [ 1 / 2 ]
        Scored 2 sentences, 0 not present in hyp.

        """)
    let list = try ToolRunner.run(
      "compute-wer",
      ["--ignore-case", "--map", dir + "/map", "--ignore-words", "<unk>,[noise],uh", dir + "/ref", dir + "/hyp"])
    #expect(list.stdout == normalized.stdout)
  }

  /// `--details D` with the reference at `D/per_utt`, or a details "directory" that is the
  /// hypothesis file: refused before any work, the inputs untouched.
  @Test func detailsThatWouldOverwriteAnInputAreRefused() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let details = dir + "/d"
    try ToolRunner.write(["d/per_utt": Self.files["ref"]!], in: dir)
    let inside = try ToolRunner.run(
      "compute-wer", ["--mode=present", "--details", details, details + "/per_utt", dir + "/hyp"])
    #expect(inside.status == 1)
    #expect(inside.stdout.isEmpty)
    #expect(
      inside.stderrLines.last
        == "ERROR (compute-wer): \(details)/per_utt: output would overwrite the input REF '\(details)/per_utt'; write it elsewhere"
    )
    #expect(fileSnapshot(of: details) == ["per_utt": Data(Self.files["ref"]!.utf8)])
    let same = try ToolRunner.run(
      "compute-wer", ["--mode=present", "--details=\(dir)/hyp", dir + "/ref", "ark:" + dir + "/hyp"])
    #expect(same.status == 1)
    #expect(
      same.stderrLines.last
        == "ERROR (compute-wer): \(dir)/hyp: output would overwrite the input HYP 'ark:\(dir)/hyp'; write it elsewhere")
    #expect(ToolRunner.read(dir + "/hyp") == Self.files["hyp"])
  }

  /// Under `ulimit -f` (no `trap` in the shell: the tool ignores SIGXFSZ itself) a run whose
  /// per_utt outgrows the limit is a clean write error; the previous details stay
  /// byte-identical and no temporary file is left.
  @Test func fileSizeLimitLeavesThePreviousDetailsByteIdentical() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let details = dir + "/d"
    let first = try ToolRunner.run("compute-wer", ["--mode=present", "--details", details, dir + "/ref", dir + "/hyp"])
    #expect(first.status == 0, "\(first.stderr)")
    let before = fileSnapshot(of: details)
    #expect(before.keys.sorted() == ["ops", "per_spk", "per_utt"])
    let lines = (0..<300).map { "spk\($0 % 7)-u\($0) alpha bravo charlie delta echo foxtrot\n" }.joined()
    try ToolRunner.write(
      ["big-ref": lines, "big-hyp": lines.replacingOccurrences(of: "charlie", with: "golf")], in: dir)
    let limited = try ToolRunner.runShell(
      "ulimit -f 1; compute-wer --details '\(details)' '\(dir)/big-ref' '\(dir)/big-hyp'")
    #expect(limited.status == 1)
    #expect(!limited.signaled)
    #expect(limited.stdout.isEmpty)
    #expect(limited.stderrLines.last == "ERROR (compute-wer): \(details)/per_utt: write failed: File too large")
    #expect(fileSnapshot(of: details) == before)
  }
}
