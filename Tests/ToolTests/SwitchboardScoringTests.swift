import Foundation
import Testing

/// `recipes/swbd` scores as Kaldi's egs/swbd/s5c does: `local/wer_output_filter` on its own
/// (both rules, both sides), and the recipe on a tiny fake eval2000 (an stm, upper-case
/// references with optional words, hypotheses with noise, hesitations, partial words and an
/// acronym) whose WER is computed by hand.
@Suite struct SwitchboardScoringTests {
  static let filter = RecipeTests.root.appendingPathComponent("recipes/swbd/local/wer_output_filter")
    .path

  /// Runs the filter with `options` on `input` (Kaldi text).
  static func filtered(_ input: String, _ options: String, in work: URL) throws -> RecipeTests.Outcome {
    let file = work.appendingPathComponent("in-\(UUID().uuidString)")
    try RecipeTests.write(input, to: file)
    return try RecipeTests.bash("-c", ["'\(filter)' \(options) < '\(file.path)'"], in: work)
  }

  @Test func filterRemovesWhatKaldiSwitchboardScoringRemoves() throws {
    let work = try RecipeTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    try RecipeTests.write("IBM\ti._b._m.\ti b m\n", to: work.appendingPathComponent("acronyms.map"))
    let hypotheses =
      "u1 [noise] The cat UH sat th- on <unk> i._b._m. [laughter-yes] -ing %hesitation\n"
      + "u2\nu3 hm [VOCALIZED-NOISE] ok (ok) <b_aside>\n"
    // Hypotheses (score_sclite.sh's ctm filter, then the acronyms): lower case; noise, laughter,
    // <unk>, hesitations and words ending in '-' removed, a word starting with '-' kept.
    let hyp = try Self.filtered(hypotheses, "--acronyms acronyms.map", in: work)
    #expect(hyp.status == 0, "\(hyp.output)")
    #expect(hyp.output == "u1 the cat sat on i b m -ing\nu2\nu3 ok (ok) <b_aside>\n")
    // The reference: optional (parenthesized) words, hesitations and <...> tags removed; its
    // other words are scored, as sclite scores them.
    let reference =
      "en_1-A_000100-000200 <B_ASIDE> THE CAT (%HESITATION) UM SAT ((ON) (TH-) TH- [NOISE] <E_ASIDE>\n"
    let ref = try Self.filtered(reference, "--ref true", in: work)
    #expect(ref.status == 0, "\(ref.output)")
    #expect(ref.output == "en_1-A_000100-000200 the cat sat th- [noise]\n")
    // score_basic.sh: exactly five tokens, case kept, the same on both sides.
    for side in ["false", "true"] {
      let basic = try Self.filtered(hypotheses, "--rule basic --ref \(side)", in: work)
      #expect(basic.status == 0, "\(basic.output)")
      #expect(
        basic.output
          == "u1 The cat UH sat th- on i._b._m. [laughter-yes] -ing\nu2\nu3 hm [VOCALIZED-NOISE] ok (ok) <b_aside>\n"
      )
    }
    // Usage errors.
    for options in ["--rule kaldi", "--ref true --acronyms acronyms.map", "--acronyms missing.map", "extra"] {
      let refused = try Self.filtered("u1 a\n", options, in: work)
      #expect(refused.status == 1, "\(options): \(refused.output)")
      #expect(!refused.output.contains("u1"))
    }
  }

  /// The steps refuse a filter that is not line-wise or fails, and malformed `--subsets`; a
  /// reference filter alone changes the reference only.
  @Test func stepsApplyFiltersAndRefuseBadOnes() throws {
    let work = try RecipeTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    try RecipeTests.makeFakeKaldiData(in: work)
    try RecipeTests.write("not a model\n", to: work.appendingPathComponent("model"))
    let recipe = RecipeTests.root.appendingPathComponent("recipes/swbd").path
    let lists = "'\(work.path)/nbest/archives.1' '\(work.path)/nbest/archives.2'"
    let reference = "'\(work.path)/data/test/text'"
    /// Runs `steps/<script> <options> <arguments>` from the recipe directory.
    func step(_ script: String, _ options: String, _ arguments: String) throws -> RecipeTests.Outcome {
      try RecipeTests.bash(
        "-c",
        ["PATH='\(RecipeTests.binDirectory.path)':$PATH; cd '\(recipe)' && steps/\(script) \(options) \(arguments)"],
        in: work)
    }
    let out = "'\(work.path)/baselines'"
    for (filter, message) in [("sed 1d", "changed the keys or lines"), ("exit 3", "failed on")] {
      let refused = try step("nbest_baselines.sh", "--hyp-filter '\(filter)'", "\(reference) \(out) \(lists)")
      #expect(refused.status == 1, "\(refused.output)")
      #expect(refused.output.contains(message), "\(refused.output)")
    }
    // References "a" for "the", hypotheses as they are: rank 1 has 1, 0, 1, 2 errors, the best
    // hypotheses 1, 0, 1, 1 (unfiltered: 4 and 0).
    let accepted = try step(
      "nbest_baselines.sh", "--ref-filter 'sed s/the/a/g'", "\(reference) \(out) \(lists)")
    #expect(accepted.status == 0, "\(accepted.output)")
    let oracle = try String(
      contentsOf: work.appendingPathComponent("baselines/wer_oracle"), encoding: .utf8)
    #expect(oracle.hasPrefix("%WER 12.50 [ 3 / 24,"), "\(oracle)")
    let rank1 = try String(
      contentsOf: work.appendingPathComponent("baselines/wer_rank1"), encoding: .utf8)
    #expect(rank1.hasPrefix("%WER 16.67 [ 4 / 24,"), "\(rank1)")

    let rescore = "'\(work.path)/model' '\(work.path)/rescore' \(lists)"
    let noRef = try step("rescore_nbest.sh", "--subsets swbd:\(reference)", rescore)
    #expect(noRef.status == 1)
    #expect(noRef.output.contains("need --ref"), "\(noRef.output)")
    let malformed = try step("rescore_nbest.sh", "--ref \(reference) --subsets a/b:x", rescore)
    #expect(malformed.status == 1)
    #expect(malformed.output.contains("--subsets entries are <name>:<ref-text>"), "\(malformed.output)")
  }

  /// A fake eval2000 (4 utterances, 25 reference words after filtering) and one archive of
  /// 3-best lists whose hypotheses all filter to the same words, so every setting of the sweep,
  /// the rank-1 and the oracle have the same hand-computed WER: utterance 1 one substitution
  /// (a/the), 2 none, 3 one deletion (the), 4 one substitution (the/a): 3 / 25 = 12.00%; the
  /// Switchboard half (sw_: 3 and 4) 2 / 13 = 15.38%, the CallHome half (en_: 1 and 2) 1 / 12.
  static func makeFakeEval2000(in work: URL) throws {
    let references = [
      ("en_4156-A_000100-000200", "THE CAT (%HESITATION) SAT ON THE MAT"),
      ("en_4156-B_000300-000400", "<B_ASIDE> A DOG (TH-) RAN IN THE PARK <E_ASIDE>"),
      ("sw_4390-A_000500-000600", "UH THE FISH SWAM IN THE POND"),
      ("sw_4390-B_000700-000800", "I B M SAT ON A TREE"),
    ]
    let hypotheses = [
      [
        "the cat uh sat on a mat [noise]", "um the cat sat on a mat",
        "the cat sat on a [laughter] mat",
      ],
      [
        "a dog th- ran in the park", "[vocalized-noise] a dog ran in the park",
        "a dog ran <unk> in the park",
      ],
      ["the fish swam in pond", "the fish hm swam in pond", "the fish swam in pond er"],
      ["i._b._m. sat on the tree", "ah i._b._m. sat on the tree", "i._b._m. sat on eh the tree"],
    ]
    let data = work.appendingPathComponent("data/eval2000")
    try RecipeTests.write(
      references.map { "\($0.0) \($0.1)\n" }.joined(), to: data.appendingPathComponent("text"))
    try RecipeTests.write(
      "en_4156 A en_4156_A 1.00 2.00 <O,en,F,en-F> THE CAT (%HESITATION) SAT ON THE MAT\n",
      to: data.appendingPathComponent("stm"))
    try RecipeTests.write("IBM\ti._b._m.\ti b m\n", to: work.appendingPathComponent("acronyms.map"))
    var words = ""
    var acoustic = ""
    var noLM = ""
    var lmOnly = ""
    for (utterance, list) in zip(references.map(\.0), hypotheses) {
      for (rank, hypothesis) in list.enumerated() {
        let key = "\(utterance)-\(rank + 1)"
        words += "\(key) \(hypothesis)\n"
        acoustic += "\(key) \(100 + 3 * rank)\n"
        noLM += "\(key) 0.5\n"
        lmOnly += "\(key) \(20 - rank)\n"
      }
    }
    let archive = work.appendingPathComponent("nbest_eval2000/archives.1")
    try RecipeTests.write(words, to: archive.appendingPathComponent("words_text"))
    try RecipeTests.write(acoustic, to: archive.appendingPathComponent("acwt"))
    try RecipeTests.write(noLM, to: archive.appendingPathComponent("lmwt.nolm"))
    try RecipeTests.write(lmOnly, to: archive.appendingPathComponent("lmwt.lmonly"))
  }

  @Test(.timeLimit(.minutes(2)))
  func switchboardRecipeScoresEval2000LikeKaldi() throws {
    let work = try RecipeTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    try RecipeTests.makeFakeKaldiData(in: work)
    try Self.makeFakeEval2000(in: work)
    let exp = work.appendingPathComponent("exp")
    let arguments = [
      "--build", "false", "--bin-dir", RecipeTests.binDirectory.path, "--exp", exp.path,
      "--train-dirs", "data/train", "--valid-dir", "data/dev", "--test-dir", "data/eval2000",
      "--nbest-dirs", "nbest_eval2000/archives.1", "--criteria", "nce",
      "--min-freq", "1", "--nhid", "8", "--emsize", "8", "--noise-ratio", "4",
      "--batch-size", "4", "--bptt", "5", "--epochs", "1", "--threads", "1",
      "--rnn-weights", "0,0.5", "--lm-weights", "9,10", "--wip", "0,1",
    ]
    let script = RecipeTests.root.appendingPathComponent("recipes/swbd/run.sh").path
    let run = try RecipeTests.bash(script, arguments + ["--acronyms-map", "acronyms.map"], in: work)
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output.contains("scoring rule: sclite"))

    func firstLine(_ path: String) throws -> String {
      let text = try String(contentsOf: exp.appendingPathComponent(path), encoding: .utf8)
      return String(text.prefix { $0 != "\n" })
    }
    let expected = "%WER 12.00 [ 3 / 25, 0 ins, 1 del, 2 sub ]"
    // The whole set, then each half on its own (eval2000*: --subsets auto).
    for (part, wer) in [
      ("", expected), ("/swbd", "%WER 15.38 [ 2 / 13, 0 ins, 1 del, 1 sub ]"),
      ("/callhm", "%WER 8.33 [ 1 / 12, 0 ins, 0 del, 1 sub ]"),
    ] {
      #expect(try firstLine("baselines\(part)/wer_rank1") == wer)
      #expect(try firstLine("baselines\(part)/wer_oracle") == wer)
      // Every setting of both sweeps: 2 RNN weights x 2 LM weights x 2 penalties.
      for system in ["rescore_nce", "rescore_nce_unnorm"] {
        let names = try FileManager.default.contentsOfDirectory(
          atPath: exp.appendingPathComponent(system + part).path
        ).filter { $0.hasPrefix("wer_") && $0 != "wer_sweep" }
        #expect(names.count == 8, "\(system)\(part): \(names)")
        for name in names {
          #expect(try firstLine("\(system)\(part)/\(name)") == wer, "\(system)\(part)/\(name)")
        }
        #expect(try firstLine("\(system)\(part)/best_wer").hasPrefix(wer))
        // The selected text (of every list, at the part's best weights) is written as the
        // N-best lists hold it, unfiltered.
        let text = try String(
          contentsOf: exp.appendingPathComponent("\(system)\(part)/text"), encoding: .utf8)
        #expect(text.contains("i._b._m."))
      }
    }
    let results = try String(contentsOf: exp.appendingPathComponent("results.md"), encoding: .utf8)
    #expect(results.contains("| NCE, unnormalized (swbd) | 15.38 |"))
    #expect(results.contains("| oracle of the N-best (callhm) | 8.33 |"))
    let lines = try RecipeTests.bash(
      RecipeTests.root.appendingPathComponent("recipes/swbd/RESULTS").path, [exp.path], in: work)
    #expect(lines.status == 0, "\(lines.output)")
    #expect(lines.output.contains("%WER 8.33 [ 1 / 12, 0 ins, 0 del, 1 sub ] \(exp.path)/baselines/callhm/wer_rank1"))
    #expect(lines.output.contains("\(exp.path)/rescore_nce/swbd/wer_"))

    // Without the filter the same lists score differently (upper-case references).
    let unfiltered = try RecipeTests.bash(
      script, arguments + ["--stage", "4", "--scoring", "none"], in: work)
    #expect(unfiltered.status == 0, "\(unfiltered.output)")
    #expect(unfiltered.output.contains("scoring rule: none"))
    #expect(try firstLine("baselines/wer_rank1") != expected)
    #expect(try !firstLine("rescore_nce/best_wer").hasPrefix(expected))

    // The acronym map needs the sclite rule.
    let refused = try RecipeTests.bash(
      script, arguments + ["--stage", "4", "--scoring", "basic", "--acronyms-map", "acronyms.map"],
      in: work)
    #expect(refused.status == 1)
    #expect(refused.output.contains("--acronyms-map needs the sclite scoring rule"))
    // The filter is a command line: a blank in its paths is refused before any work.
    try RecipeTests.write("IBM\ti._b._m.\ti b m\n", to: work.appendingPathComponent("my map"))
    let blank = try RecipeTests.bash(
      script, arguments + ["--stage", "4", "--acronyms-map", "my map"], in: work)
    #expect(blank.status == 1)
    #expect(blank.output.contains("the filter command cannot hold blanks"))

    // A run without parts removes the parts of the earlier run, which would otherwise be
    // listed as its results; the whole set's files stay.
    let whole = try RecipeTests.bash(script, arguments + ["--stage", "4", "--subsets", "none"], in: work)
    #expect(whole.status == 0, "\(whole.output)")
    let manager = FileManager.default
    for part in ["baselines/swbd", "baselines/callhm", "rescore_nce/swbd", "rescore_nce_unnorm/callhm"] {
      #expect(!manager.fileExists(atPath: exp.appendingPathComponent(part).path), "\(part) left behind")
    }
    #expect(manager.fileExists(atPath: exp.appendingPathComponent("rescore_nce/best_wer").path))
    let table = try String(contentsOf: exp.appendingPathComponent("results.md"), encoding: .utf8)
    #expect(!table.contains("(swbd)") && !table.contains("(callhm)"), "\(table)")
    let reserved = try RecipeTests.bash(script, arguments + ["--stage", "4", "--subsets", "log:^sw_"], in: work)
    #expect(reserved.status == 1)
    #expect(reserved.output.contains("cannot name a part"), "\(reserved.output)")
  }
}
