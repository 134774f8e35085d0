import Foundation
import Testing

/// The recipes as a user runs them: `recipes/swbd/run.sh` end to end on a tiny fake Kaldi data
/// directory and pre-extracted N-best archives (no Kaldi), with `--nj 2`; the local job runner;
/// shellcheck over every recipe script.
@Suite struct RecipeTests {
  /// The repository root (this file is `Tests/ToolTests/RecipeTests.swift`).
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The directory of the built tools: next to the test bundle (`.build/debug`), else the
  /// repository's `.build/debug`.
  static var binDirectory: URL {
    let candidates = [
      Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
      root.appendingPathComponent(".build/debug"),
    ]
    return candidates.first {
      FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("rnnlm-train").path)
    } ?? candidates[0]
  }

  struct Outcome {
    var status: Int32
    var output: String
  }

  /// Runs `bash <script> <arguments>` with stdout and stderr merged; KALDI_ROOT is `kaldiRoot`
  /// (unset by default). Without `egs/wsj/s5/utils/run.pl` there, the recipes use
  /// utils/run_local.sh.
  static func bash(
    _ script: String, _ arguments: [String], in directory: URL, kaldiRoot: String? = nil
  ) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", script] + arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["KALDI_ROOT"] = kaldiRoot
    environment["NCE_CMD"] = nil
    environment["OPENBLAS_CORETYPE"] = environment["OPENBLAS_CORETYPE"] ?? "Haswell"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "recipe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  /// A fake Kaldi setup: `data/{train,dev,test}/text` with utterance ids, and two archive
  /// directories (`archives.1`, `archives.2`) of 3-best lists for the four test utterances.
  static func makeFakeKaldiData(in directory: URL) throws {
    let sentences = [
      "the cat sat on the mat", "a dog sat on the log", "the dog ate the bone",
      "a cat ate the fish",
      "the bird sat on a tree", "the fish swam in the pond", "a dog ran in the park",
      "the cat ran up a tree",
    ]
    var train = ""
    for round in 0..<12 {
      for (index, sentence) in sentences.enumerated() {
        train += "sw0\(round)-\(index) \(sentence)\n"
      }
    }
    try write(train, to: directory.appendingPathComponent("data/train/text"))
    try write(
      sentences.prefix(4).enumerated().map { "dev-\($0.offset) \($0.element)\n" }.joined(),
      to: directory.appendingPathComponent("data/dev/text"))
    let references = [
      "utt1": "the cat sat on the mat", "utt2": "a dog ran in the park",
      "utt3": "the fish swam in the pond", "utt4": "the bird sat on a tree",
    ]
    try write(
      references.keys.sorted().map { "\($0) \(references[$0]!)\n" }.joined(),
      to: directory.appendingPathComponent("data/test/text"))
    // Rank 1 has an error, one of the others is correct; an out-of-vocabulary word appears.
    let lists: [(archive: Int, utterance: String, hypotheses: [String])] = [
      (1, "utt1", ["the cat sat on a mat", "the cat sat on the mat", "the cap sat on the mat"]),
      (1, "utt2", ["a dog ran in a park", "a dog ran in the park", "a dog ran in the bark"]),
      (
        2, "utt3",
        ["the fish swam in a pond", "the fish swam in the pond", "a fish swam in the pond"]
      ),
      (
        2, "utt4",
        ["the bird sat on the tree", "the bird sat on a tree", "the bird sat on a three"]
      ),
    ]
    for archive in 1...2 {
      var words = ""
      var acoustic = ""
      var noLM = ""
      var lmOnly = ""
      for list in lists where list.archive == archive {
        for (rank, hypothesis) in list.hypotheses.enumerated() {
          let key = "\(list.utterance)-\(rank + 1)"
          words += "\(key) \(hypothesis)\n"
          acoustic += "\(key) \(100 + rank)\n"
          noLM += "\(key) 0.5\n"
          lmOnly += "\(key) \(20 + rank)\n"
        }
      }
      let dir = directory.appendingPathComponent("nbest/archives.\(archive)")
      try write(words, to: dir.appendingPathComponent("words_text"))
      try write(acoustic, to: dir.appendingPathComponent("acwt"))
      try write(noLM, to: dir.appendingPathComponent("lmwt.nolm"))
      try write(lmOnly, to: dir.appendingPathComponent("lmwt.lmonly"))
    }
  }

  /// `recipes/ptb/run.sh` on a tiny text with a criterion and its "-direct" row: both train, the
  /// direct row gets `--direct-opts`, and the table has both rows with a test PPL.
  @Test(.timeLimit(.minutes(2)))
  func ptbRecipeTrainsTheDirectFeatureRow() throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    let sentences = [
      "the cat sat on the mat", "a dog sat on the log", "the dog ate the bone", "a cat ate the fish",
      "the bird sat on a tree", "the fish swam in the pond",
    ]
    var train = ""
    for round in 0..<10 {
      for index in sentences.indices { train += sentences[(index + round) % sentences.count] + "\n" }
    }
    try Self.write(train, to: work.appendingPathComponent("data/train.txt"))
    for name in ["valid", "test"] {
      try Self.write(sentences.joined(separator: "\n") + "\n", to: work.appendingPathComponent("data/\(name).txt"))
    }
    let script = Self.root.appendingPathComponent("recipes/ptb/run.sh").path
    let outcome = try Self.bash(
      script,
      [
        "--build", "false", "--bin-dir", Self.binDirectory.path, "--data", "data", "--exp", "exp", "--epochs", "1",
        "--threads", "1", "--criteria", "nce4 nce4-direct", "--direct-opts", "--direct 0.01 --direct-order 3",
        "--train-opts", "--nhid 8 --emsize 8 --nlayers 1 --batch-size 4 --bptt 5",
      ], in: work)
    #expect(outcome.status == 0, "\(outcome.output)")
    let table = try String(contentsOf: work.appendingPathComponent("exp/results.md"), encoding: .utf8)
    let rows = table.split(separator: "\n").filter { $0.hasPrefix("| NCE k=4") }
    #expect(rows.count == 2 && rows.last?.hasPrefix("| NCE k=4 + direct features | 1 |") == true, "\(table)")
    for row in rows {
      let testPPL = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }[4]
      #expect(Double(testPPL).map { $0 > 1 } == true, "\(row)")
    }
    #expect(table.contains("Direct features (rows \"+ direct features\"): --direct 0.01 --direct-order 3."))
    let log = try String(contentsOf: work.appendingPathComponent("exp/nce4-direct/log/train.log"), encoding: .utf8)
    #expect(log.contains("--direct 0.01 --direct-order 3"), "\(log)")
    #expect(!FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("recipes/ptb/exp/nce4").path))
  }

  /// `steps/train_rnnlm.sh` continues a stopped training instead of starting over: the first
  /// job is stopped after epoch 1 of 3 (its runner trains one epoch, which leaves
  /// `final.mdl.last` as a stop does, and fails), the rerun resumes with `--resume`, keeps the
  /// first log as `train.log.1`, and `epochs.tsv` lists epochs 1-3 with the figures of a run
  /// that was never stopped. Other options retrain from scratch.
  @Test(.timeLimit(.minutes(2)))
  func trainRNNLMContinuesAStoppedTraining() throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    let sentences = ["the cat sat on the mat", "a dog sat on the log", "the dog ate the bone", "a cat ate the fish"]
    var train = ""
    for round in 0..<8 { for index in sentences.indices { train += sentences[(index + round) % 4] + "\n" } }
    try Self.write(train, to: work.appendingPathComponent("train.txt"))
    try Self.write(sentences.joined(separator: "\n") + "\n", to: work.appendingPathComponent("valid.txt"))
    // Run from a recipe directory, as Kaldi's steps scripts are (they source utils/).
    let utils = Self.root.appendingPathComponent("recipes/utils").path
    for name in ["steps", "utils"] {
      try FileManager.default.createSymbolicLink(
        at: work.appendingPathComponent(name), withDestinationURL: Self.root.appendingPathComponent("recipes/\(name)"))
    }
    // A job runner that stops the first job after one epoch (marker file "first-job-done").
    try Self.write(
      """
      #!/usr/bin/env bash
      if [ ! -f first-job-done ]; then
        touch first-job-done
        args=(); for a in "$@"; do args+=("${a/#3/1}"); done
        "\(utils)/run_local.sh" "${args[@]}"; exit 1
      fi
      exec "\(utils)/run_local.sh" "$@"
      """, to: work.appendingPathComponent("stopping_cmd.sh"))
    let options = "--nhid 8 --emsize 8 --nlayers 1 --batch-size 4 --bptt 5 --loss nce --noise-ratio 4 --epochs 3"
    func trainScript(_ directory: String, cmd: String, options: String = options) throws -> URL {
      let script = work.appendingPathComponent("train_\(directory).sh")
      try Self.write(
        """
        export PATH="\(Self.binDirectory.path):$PATH"
        exec steps/train_rnnlm.sh --cmd "\(cmd)" --valid-text valid.txt --train-opts "\(options)" train.txt \(directory)
        """, to: script)
      return script
    }
    let stopping = try trainScript("stopped", cmd: "bash stopping_cmd.sh")
    let first = try Self.bash(stopping.path, [], in: work)
    #expect(first.status != 0, "\(first.output)")
    let dir = work.appendingPathComponent("stopped")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("partial/final.mdl.last").path))
    // Nothing is published before the training succeeds.
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("final.mdl").path))
    // The inputs rewritten with the same bytes (a re-synced corpus): their new time must not
    // throw the stopped training away.
    try Self.write(train, to: work.appendingPathComponent("train.txt"))
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -86_400)],
      ofItemAtPath: work.appendingPathComponent("train.txt").path)
    let second = try Self.bash(stopping.path, [], in: work)
    #expect(second.status == 0, "\(second.output)")
    #expect(second.output.contains("continuing the stopped training"), "\(second.output)")
    let firstLog = try String(contentsOf: dir.appendingPathComponent("log/train.log.1"), encoding: .utf8)
    let secondLog = try String(contentsOf: dir.appendingPathComponent("log/train.log"), encoding: .utf8)
    #expect(firstLog.contains("--epochs 1") && !firstLog.contains("--resume"))
    #expect(secondLog.contains("--resume") && secondLog.contains("# Ended (code 0)"))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("partial").path))

    let whole = try Self.bash(try trainScript("whole", cmd: "utils/run_local.sh").path, [], in: work)
    #expect(whole.status == 0, "\(whole.output)")
    func epochs(_ directory: String) throws -> [String] {
      try String(contentsOf: work.appendingPathComponent("\(directory)/epochs.tsv"), encoding: .utf8)
        .split(separator: "\n").map { $0.split(separator: "\t").prefix(4).joined(separator: " ") }
    }
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -3_600)],
      ofItemAtPath: work.appendingPathComponent("valid.txt").path)
    let again = try Self.bash(stopping.path, [], in: work)
    #expect(again.status == 0 && again.output.contains("already trained, skipping"), "\(again.output)")
    let stoppedEpochs = try epochs("stopped")
    #expect(stoppedEpochs.count == 4 && stoppedEpochs.dropFirst().map { $0.prefix(2) } == ["1 ", "2 ", "3 "])
    #expect(stoppedEpochs == (try epochs("whole")))

    // A failed training with other options leaves the finished model, its config, logs and
    // tables byte-identical.
    let published = ["final.mdl", "config", "log/train.log", "log/train.log.1", "epochs.tsv", "test_ppl"]
    func contents() throws -> [Data] { try published.map { try Data(contentsOf: dir.appendingPathComponent($0)) } }
    let before = try contents()
    let failing = try trainScript("stopped", cmd: "utils/run_local.sh", options: options + " --no-such-option")
    let failed = try Self.bash(failing.path, [], in: work)
    #expect(failed.status != 0, "\(failed.output)")
    #expect(try contents() == before)

    // Other options than the stopped training's: no resume, the earlier logs are gone.
    try Self.write("x\n", to: dir.appendingPathComponent("partial/final.mdl.last"))
    let other = try trainScript("stopped", cmd: "utils/run_local.sh", options: options + " --seed 2")
    let third = try Self.bash(other.path, [], in: work)
    #expect(third.status == 0, "\(third.output)")
    #expect(!third.output.contains("continuing") && third.output.contains("training from scratch"), "\(third.output)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("log/train.log.1").path))
  }

  /// The PTB table's speed columns are medians over the epochs: one epoch slowed by other work
  /// on the machine (here 10x) does not move them, where a mean would.
  @Test(arguments: [
    (["10.0\t9000", "100.0\t900", "12.0\t7500"], "12.0", "7500"), (["20.0\t100", "10.0\t300"], "15.0", "200"),
  ])
  func ptbTableReportsMedianEpochTimes(epochs: [String], seconds: String, tokensPerSecond: String) throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    var tsv = "epoch\tlr\ttrain_loss\tvalid_ppl\tseconds\ttokens_per_s\n"
    for (index, speed) in epochs.enumerated() { tsv += "\(index + 1)\t1.0000\t4.5\t\(200 - index)\t\(speed)\n" }
    try Self.write(tsv, to: work.appendingPathComponent("exp/nce100/epochs.tsv"))
    try Self.write("test-ppl 123.45\n", to: work.appendingPathComponent("exp/nce100/test_ppl"))
    let script = Self.root.appendingPathComponent("recipes/ptb/local/make_table.sh").path
    let outcome = try Self.bash(script, ["exp", "nce100"], in: work)
    #expect(outcome.status == 0, "\(outcome.output)")
    let row = outcome.output.split(separator: "\n").first { $0.hasPrefix("| NCE k=100 |") }
    let cells = row.map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
    #expect(
      cells == [
        "NCE k=100", "\(epochs.count)", "200", "\(201 - epochs.count)", "123.45", seconds, tokensPerSecond, "105.22",
        "251.55",
      ], "\(outcome.output)")
  }

  @Test(.timeLimit(.minutes(2)))
  func switchboardRecipeRunsOnFakeKaldiDataWithTwoJobs() throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    try Self.makeFakeKaldiData(in: work)
    let exp = work.appendingPathComponent("exp")
    let arguments = [
      "--build", "false", "--bin-dir", Self.binDirectory.path, "--exp", exp.path, "--nj", "2",
      "--train-dirs", "data/train", "--valid-dir", "data/dev", "--test-dir", "data/test",
      "--nbest-dirs", "nbest/archives.1 nbest/archives.2", "--criteria", "ce nce",
      "--min-freq", "1", "--nhid", "8", "--emsize", "8", "--noise-ratio", "4", "--batch-size", "4",
      "--bptt", "5", "--epochs", "1", "--threads", "1",
      "--rnn-weights", "0,0.5", "--lm-weights", "9,10", "--wip", "0",
    ]
    let script = Self.root.appendingPathComponent("recipes/swbd/run.sh").path
    let first = try Self.bash(script, arguments, in: work)
    #expect(first.status == 0, "\(first.output)")

    let files = FileManager.default
    for path in [
      "data/train.txt", "ce/final.mdl", "nce/final.mdl", "nce/epochs.tsv", "baselines/wer_rank1",
      "baselines/wer_oracle", "rescore_ce/best_wer", "rescore_nce/best_wer",
      "rescore_nce_unnorm/best_wer",
      "rescore_nce_unnorm/text", "rescore_nce_unnorm/archives.1/lmwt.rnn",
      "rescore_nce_unnorm/archives.2/lmwt.rnn",
      "results.md",
    ] {
      #expect(
        files.fileExists(atPath: exp.appendingPathComponent(path).path), "missing exp/\(path)")
    }
    // Two scoring jobs, each log framed by the command line and the exit code.
    for job in 1...2 {
      let log = try String(
        contentsOf: exp.appendingPathComponent("rescore_nce/log/score.\(job).log"), encoding: .utf8)
      #expect(log.hasPrefix("# rescore-nbest "))
      #expect(log.contains("--shard \(job)/2"))
      #expect(log.contains("# Ended (code 0)"))
    }
    // Utterance ids stripped from the training text; 12 x 8 sentences.
    let trainText = try String(
      contentsOf: exp.appendingPathComponent("data/train.txt"), encoding: .utf8)
    #expect(trainText.split(separator: "\n").count == 96)
    #expect(!trainText.contains("sw0"))
    // The oracle finds the correct hypothesis of every utterance; rank 1 has one error each.
    let oracle = try String(
      contentsOf: exp.appendingPathComponent("baselines/wer_oracle"), encoding: .utf8)
    #expect(oracle.hasPrefix("%WER 0.00 [ 0 / 24,"))
    let rank1 = try String(
      contentsOf: exp.appendingPathComponent("baselines/wer_rank1"), encoding: .utf8)
    #expect(rank1.hasPrefix("%WER 16.67 [ 4 / 24,"))
    let results = try String(contentsOf: exp.appendingPathComponent("results.md"), encoding: .utf8)
    #expect(results.contains("| NCE, unnormalized |"))
    #expect(results.contains("| CE, normalized |"))

    // A rerun skips the finished training and scoring.
    let second = try Self.bash(script, arguments, in: work)
    #expect(second.status == 0, "\(second.output)")
    #expect(second.output.contains("already trained, skipping"))
    #expect(second.output.contains("skipping scoring"))

    // Costs are keyed by content: new file times skip again, another model under the same name
    // is scored again (only the rescorings of that model).
    let nceModel = exp.appendingPathComponent("nce/final.mdl")
    try files.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: nceModel.path)
    let third = try Self.bash(script, arguments, in: work)
    #expect(third.status == 0 && third.output.components(separatedBy: "skipping scoring").count == 4, "\(third.output)")
    try files.removeItem(at: nceModel)
    try files.copyItem(at: exp.appendingPathComponent("ce/final.mdl"), to: nceModel)
    let fourth = try Self.bash(script, arguments, in: work)
    #expect(fourth.status == 0, "\(fourth.output)")
    #expect(fourth.output.contains("rescore_ce exist, skipping scoring"), "\(fourth.output)")
    #expect(
      !fourth.output.contains("rescore_nce exist, skipping") && !fourth.output.contains("rescore_nce_unnorm exist"))
  }

  /// Stand-ins for the Kaldi binaries `steps/extract_nbest.sh` calls, installed as
  /// `<kaldi>/src/latbin/*` (path.sh puts `$KALDI_ROOT/src/*bin` on the PATH). A "lattice" is a
  /// text line `key|word-ids|acoustic-cost|graph-cost`; the tools check the arguments the
  /// script must pass and move the lines through the same rspecifiers and wspecifiers
  /// (`ark:-`, `ark:cmd|`, `ark:|cmd`, `ark,t:file`). lattice-compose with G sets the graph cost
  /// to 0.5, as if the LM part of it were removed.
  static let fakeKaldiTools: [String: String] = [
    "_io.sh": """
    rd() { local s=${1#ark:}; s=${s#ark,t:}; case "$s" in -) cat ;; *\\|) bash -c "${s%|}" ;; *) cat "$s" ;; esac; }
    wr() { local s=${1#ark:}; s=${s#ark,t:}; case "$s" in -) cat ;; \\|*) bash -c "${s#|}" ;; *) cat > "$s" ;; esac; }
    """,
    "lattice-to-nbest": """
    [[ $1 == --acoustic-scale=0.1 && $2 == --n=2 ]] || exit 2; rd "$3" | wr "$4"
    """,
    "lattice-rmali": "rd \"$1\" | wr \"$2\"",
    "lattice-scale": """
    [[ $1 == --acoustic-scale=-1 && $2 == --lm-scale=-1 ]] || exit 2; rd "$3" | wr "$4"
    """,
    "lattice-compose": """
    [[ $2 == "fstproject --project_output=true "*"/G.fst |" ]] || exit 2
    rd "$1" | awk -F'|' -v OFS='|' '{ $4 = 0.5; print }' | wr "$3"
    """,
    "lattice-1best": "rd \"$1\" | wr \"$2\"",
    "nbest-to-linear": """
    t=$(mktemp); rd "$1" > "$t"
    awk -F'|' '{ print $1, 1 }' "$t" | wr "$2"; awk -F'|' '{ print $1, $2 }' "$t" | wr "$3"
    awk -F'|' '{ print $1, $4 }' "$t" | wr "$4"; awk -F'|' '{ print $1, $3 }' "$t" | wr "$5"; rm "$t"
    """,
    "fstproject": "exit 0",
  ]

  @Test(.timeLimit(.minutes(2)))
  func switchboardRecipeExtractsNBestListsWithKaldiTools() throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    try Self.makeFakeKaldiData(in: work)
    let bin = work.appendingPathComponent("kaldi/src/latbin")
    for (name, body) in Self.fakeKaldiTools {
      let url = bin.appendingPathComponent(name)
      let text =
        name.hasSuffix(".sh")
        ? body : "#!/usr/bin/env bash\n. \"$(dirname \"$0\")/_io.sh\"\n\(body)\n"
      try Self.write(text, to: url)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }
    // words.txt ids and two decoding jobs of 2-best "lattices" for utt1..utt4.
    let words = [
      "<eps>", "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "in", "park", "fish", "swam",
      "pond", "bird", "tree",
    ]
    try Self.write(
      words.enumerated().map { "\($0.element) \($0.offset)\n" }.joined(),
      to: work.appendingPathComponent("lang/words.txt"))
    try Self.write("", to: work.appendingPathComponent("lang/G.fst"))
    try Self.write("2\n", to: work.appendingPathComponent("decode/num_jobs"))
    let id = { (sentence: String) in
      sentence.split(separator: " ").map { String(words.firstIndex(of: String($0))!) }.joined(
        separator: " ")
    }
    let jobs = [
      [
        "utt1-1|\(id("the cat sat on a mat"))|100|20",
        "utt1-2|\(id("the cat sat on the mat"))|101|21",
        "utt2-1|\(id("a dog ran in a park"))|100|20",
        "utt2-2|\(id("a dog ran in the park"))|101|21",
      ],
      [
        "utt3-1|\(id("the fish swam in a pond"))|100|20",
        "utt3-2|\(id("the fish swam in the pond"))|101|21",
        "utt4-1|\(id("the bird sat on the tree"))|100|20",
        "utt4-2|\(id("the bird sat on a tree"))|101|21",
      ],
    ]
    for (index, lines) in jobs.enumerated() {
      try Self.write(
        lines.joined(separator: "\n") + "\n",
        to: work.appendingPathComponent("decode/lat.\(index + 1)"))
    }
    let zipped = try Self.bash("-c", ["gzip decode/lat.1 decode/lat.2"], in: work)
    #expect(zipped.status == 0, "\(zipped.output)")

    let exp = work.appendingPathComponent("exp")
    let arguments = [
      "--build", "false", "--bin-dir", Self.binDirectory.path, "--exp", exp.path, "--nj", "2",
      "--train-dirs", "data/train", "--valid-dir", "data/dev", "--test-dir", "data/test",
      "--lang-dir", "lang", "--decode-dir", "decode", "--nbest-size", "2", "--inv-acwt", "10",
      "--min-freq", "1", "--nhid", "8", "--emsize", "8", "--noise-ratio", "4", "--batch-size", "4",
      "--bptt", "5", "--epochs", "1", "--threads", "1",
      "--rnn-weights", "0.5", "--lm-weights", "10", "--wip", "0",
    ]
    let script = Self.root.appendingPathComponent("recipes/swbd/run.sh").path
    let run = try Self.bash(
      script, arguments, in: work, kaldiRoot: work.appendingPathComponent("kaldi").path)
    #expect(run.status == 0, "\(run.output)")
    let archive = exp.appendingPathComponent("nbest/archives.2")
    #expect(
      try String(contentsOf: archive.appendingPathComponent("words_text"), encoding: .utf8)
        == "utt3-1 the fish swam in a pond\nutt3-2 the fish swam in the pond\n"
        + "utt4-1 the bird sat on the tree\nutt4-2 the bird sat on a tree\n")
    #expect(
      try String(contentsOf: archive.appendingPathComponent("lmwt.lmonly"), encoding: .utf8)
        == "utt3-1 19.5\nutt3-2 20.5\nutt4-1 19.5\nutt4-2 20.5\n")
    let oracle = try String(
      contentsOf: exp.appendingPathComponent("baselines/wer_oracle"), encoding: .utf8)
    #expect(oracle.hasPrefix("%WER 0.00 [ 0 / 24,"))
    #expect(
      FileManager.default.fileExists(
        atPath: exp.appendingPathComponent("rescore_nce_unnorm/best_wer").path))
  }

  @Test func localRunnerReportsFailedJobsAndFramesLogs() throws {
    let work = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: work) }
    let runner = Self.root.appendingPathComponent("recipes/utils/run_local.sh").path
    let ok = try Self.bash(
      runner, ["JOB=1:3", "log/ok.JOB.log", "echo", "job JOB", ">", "out.JOB"], in: work)
    #expect(ok.status == 0, "\(ok.output)")
    #expect(
      try String(contentsOf: work.appendingPathComponent("out.3"), encoding: .utf8) == "job 3\n")
    let log = try String(contentsOf: work.appendingPathComponent("log/ok.2.log"), encoding: .utf8)
    #expect(log.hasPrefix("# echo \"job 2\" > out.2\n"))
    #expect(log.contains("# Ended (code 0)"))

    let failing = try Self.bash(
      runner, ["JOB=1:3", "log/f.JOB.log", "[", "JOB", "-ne", "2", "]"], in: work)
    #expect(failing.status == 1)
    #expect(failing.output.contains("1 / 3 failed"))
    let failedLog = try String(
      contentsOf: work.appendingPathComponent("log/f.2.log"), encoding: .utf8)
    #expect(failedLog.contains("# Ended (code 1)"))
  }

  /// An executable file without the .sh extension (local/wer_output_filter) that starts with a
  /// bash shebang.
  static func isBashScript(_ url: URL) -> Bool {
    guard url.pathExtension.isEmpty, FileManager.default.isExecutableFile(atPath: url.path),
      let handle = try? FileHandle(forReadingFrom: url)
    else { return false }
    defer { try? handle.close() }
    let start = (try? handle.read(upToCount: 32)) ?? Data()
    return String(decoding: start, as: UTF8.self).hasPrefix("#!/usr/bin/env bash")
  }

  @Test(
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/shellcheck"), "needs shellcheck"))
  func recipeScriptsPassShellcheck() throws {
    let recipes = Self.root.appendingPathComponent("recipes")
    var scripts: [String] = []
    let walker = FileManager.default.enumerator(
      at: recipes, includingPropertiesForKeys: [.isSymbolicLinkKey])
    while let url = walker?.nextObject() as? URL {
      let isLink = (try? url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink) ?? false
      if isLink {
        walker?.skipDescendants()
      } else if url.pathExtension == "sh" || url.lastPathComponent == "RESULTS"
        || Self.isBashScript(url)
      {
        scripts.append(url.path)
      }
    }
    scripts.append(Self.root.appendingPathComponent("tools/install-deps.sh").path)
    #expect(scripts.count > 10)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/shellcheck")
    process.arguments = ["-x"] + scripts.sorted()
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
  }
}
