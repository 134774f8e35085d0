import Foundation
import NCEModel
import Testing

/// Kaldi's option semantics in every tool (`KaldiCommandLine`): booleans in every position,
/// repeated, in `--config` files, garbage refused; the last occurrence wins; the command line
/// overrides the config file; negative numbers after a space; `--help` shows true defaults.
@Suite struct KaldiOptionCLITests {
  static let tools = ["rnnlm-train", "rnnlm-eval", "rnnlm-score", "rescore-nbest", "rescore-lattice", "compute-wer"]

  /// `arguments` with `option` placed first, in the middle and last.
  static func positions(of option: String, in arguments: [String]) -> [[String]] {
    let middle = arguments.count / 2 / 2 * 2  // between two option/value pairs
    return [[option] + arguments, Array(arguments[..<middle]) + [option] + arguments[middle...], arguments + [option]]
  }

  static func writeConfig(_ content: String, in directory: String, name: String = "opts.conf") throws -> String {
    try ToolRunner.write([name: content], in: directory)
    return directory + "/" + name
  }

  /// One `ERROR (<tool>): ...` line containing every `fragment`, and exit 64.
  static func expectUsageError(_ result: ToolRunner.Result, _ tool: String, _ fragments: [String]) {
    #expect(!result.signaled)
    #expect(result.status == 64, "\(result.stderr)")
    let errors = result.stderrLines.filter { $0.hasPrefix("ERROR") }
    #expect(errors.count == 1 && errors[0].hasPrefix("ERROR (\(tool)): "), "\(result.stderr)")
    for fragment in fragments { #expect(errors.first?.contains(fragment) == true, "\(fragment): \(result.stderr)") }
  }

  // MARK: rnnlm-score: --utt-ids prints the key before each cost.

  @Test func rnnlmScoreBooleans() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["text": "s1 the cat sat\ns2 a dog ran\n"], in: directory)
    let base = ["--model", try RescoringFixture.model(), "--text", directory + "/text", "--threads", "1"]
    func hasKeys(_ arguments: [String]) throws -> Bool {
      let result = try ToolRunner.run("rnnlm-score", arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      return result.stdout.hasPrefix("s1 ")
    }
    for form in ["--utt-ids", "--utt-ids=true", "--utt-ids=1", "--utt-ids=T"] {
      for arguments in Self.positions(of: form, in: base) { #expect(try hasKeys(arguments), "\(arguments)") }
    }
    for form in ["--utt-ids=false", "--utt-ids=0", "--utt-ids=f", "--utt-ids=FALSE"] {
      for arguments in Self.positions(of: form, in: base) { #expect(try !hasKeys(arguments), "\(arguments)") }
    }
    #expect(try hasKeys(base + ["--utt-ids=false", "--utt-ids"]))
    #expect(try !hasKeys(["--utt-ids"] + base + ["--utt-ids=false"]))
    #expect(try hasKeys(["--utt-ids", "--utt-ids"] + base))
    // Config file first, command line over it.
    let on = try Self.writeConfig("--utt-ids\n", in: directory, name: "on.conf")
    let off = try Self.writeConfig("--utt-ids=false  # as in the issue\n", in: directory, name: "off.conf")
    #expect(try hasKeys(base + ["--config", on]))
    #expect(try !hasKeys(base + ["--config", off]))
    #expect(try hasKeys(["--utt-ids", "--config", off] + base))
    #expect(try !hasKeys(base + ["--config=\(on)", "--utt-ids=0"]))
    #expect(try !hasKeys(base + ["--config", on, "--config", off]))
    // --unnormalized=false in a config file means normalized.
    let normalized = try ToolRunner.run("rnnlm-score", base)
    let unnormalizedOff = try Self.writeConfig("--unnormalized=false\n", in: directory, name: "unnorm.conf")
    let fromConfig = try ToolRunner.run("rnnlm-score", base + ["--config", unnormalizedOff])
    let unnormalized = try ToolRunner.run("rnnlm-score", base + ["--unnormalized"])
    #expect(fromConfig.status == 0 && fromConfig.stdout == normalized.stdout)
    #expect(unnormalized.status == 0 && unnormalized.stdout != normalized.stdout)
    for value in ["garbage", "no", "yes", "", "2"] {
      Self.expectUsageError(
        try ToolRunner.run("rnnlm-score", base + ["--utt-ids=\(value)"]), "rnnlm-score", ["--utt-ids", "'\(value)'"])
    }
    let garbage = try Self.writeConfig("--unnormalized=maybe\n", in: directory, name: "bad.conf")
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-score", base + ["--config", garbage]), "rnnlm-score",
      ["\(garbage):1:", "--unnormalized", "'maybe'"])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-score", base + ["--utt-ids", "false"]), "rnnlm-score", ["--utt-ids=false"])
    // A negative number after a space reaches the range check.
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-score", base + ["--threads", "-2"]), "rnnlm-score", ["--threads must be at least 1"])
    // Any option: the last occurrence wins, the command line over the config file.
    let threads = try Self.writeConfig("--threads=-1\n", in: directory, name: "threads.conf")
    #expect(try ToolRunner.run("rnnlm-score", base + ["--threads", "0", "--threads", "1"]).status == 0)
    #expect(try ToolRunner.run("rnnlm-score", ["--config", threads] + base).status == 0)
    #expect(
      try ToolRunner.run("rnnlm-score", ["--threads", "1", "--config", threads, "--model", base[1], "--text", base[3]])
        .status == 0)
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-score", ["--config", threads, "--model", base[1], "--text", base[3]]), "rnnlm-score",
      ["--threads"])
  }

  // MARK: rnnlm-eval: --self-norm-stats adds a line; --normalized/--unnormalized choose the mode.

  @Test func rnnlmEvalBooleansAndChoice() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["text": RescoringFixture.sentences.joined(separator: "\n") + "\n"], in: directory)
    let base = ["--model", try RescoringFixture.model(), "--text", directory + "/text", "--threads", "1"]
    func run(_ arguments: [String]) throws -> (stats: Bool, normalized: Bool) {
      let result = try ToolRunner.run("rnnlm-eval", arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      return (result.stdout.contains("self-norm "), result.stdout.contains("\nppl "))
    }
    for arguments in Self.positions(of: "--self-norm-stats", in: base) {
      #expect(try run(arguments).stats, "\(arguments)")
    }
    for arguments in Self.positions(of: "--self-norm-stats=false", in: base) {
      #expect(try !run(arguments).stats, "\(arguments)")
    }
    for arguments in Self.positions(of: "--unnormalized", in: base) {
      #expect(try !run(arguments).normalized, "\(arguments)")
    }
    for arguments in Self.positions(of: "--unnormalized=false", in: base) {
      #expect(try run(arguments).normalized, "\(arguments)")
    }
    #expect(try run(base + ["--normalized=false"]).normalized == false)
    #expect(try run(base + ["--unnormalized", "--normalized"]).normalized)
    #expect(try run(base + ["--normalized", "--unnormalized"]).normalized == false)
    #expect(try run(base + ["--self-norm-stats=0", "--self-norm-stats"]).stats)
    #expect(try !run(base + ["--self-norm-stats", "--self-norm-stats=0"]).stats)
    let config = try Self.writeConfig("--unnormalized\n--self-norm-stats=true\n", in: directory)
    #expect(try run(base + ["--config", config]) == (true, false))
    #expect(try run(["--normalized", "--self-norm-stats=f", "--config", config] + base) == (false, true))
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-eval", base + ["--unnormalized=yes"]), "rnnlm-eval", ["--unnormalized", "'yes'"])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-eval", base + ["--threads", "-1"]), "rnnlm-eval", ["--threads must be at least 1"])
  }

  // MARK: rescore-nbest: --reuse-rnn-costs, --unnormalized, negative grids, Kaldi's names.

  @Test func rescoreNBestBooleans() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let model = try RescoringFixture.model()
    let base = ["--model", model, "--nbest-dir", archive, "--out", root + "/out", "--ref", reference]
    // --reuse-rnn-costs with --model is refused; =false lets the run go on.
    for arguments in Self.positions(of: "--reuse-rnn-costs", in: base) {
      Self.expectUsageError(try ToolRunner.run("rescore-nbest", arguments), "rescore-nbest", ["do not give --model"])
    }
    for arguments in Self.positions(of: "--reuse-rnn-costs=false", in: base) {
      let result = try ToolRunner.run("rescore-nbest", arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
    }
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--reuse-rnn-costs=0", "--reuse-rnn-costs"]), "rescore-nbest",
      ["do not give --model"])
    #expect(try ToolRunner.run("rescore-nbest", base + ["--reuse-rnn-costs", "--reuse-rnn-costs=0"]).status == 0)
    // The scoring mode, from a config file and the command line.
    func mode(_ arguments: [String]) throws -> String? {
      let result = try ToolRunner.run("rescore-nbest", arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      return result.stderrLines.first { $0.contains("RNN ") && $0.contains(" costs: ") }?
        .components(separatedBy: "RNN ").last?.components(separatedBy: " ").first
    }
    let config = try Self.writeConfig("--unnormalized=false\n", in: root)
    #expect(try mode(base + ["--unnormalized", "--config", config]) == "unnormalized")
    #expect(try mode(base + ["--config", config]) == "normalized")
    #expect(try mode(["--unnormalized=true"] + base) == "unnormalized")
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--reuse-rnn-costs=garbage"]), "rescore-nbest",
      ["--reuse-rnn-costs", "'garbage'"])
  }

  @Test func rescoreNBestNumbersAndKaldiNames() throws {
    let (root, archive, reference) = try RescoringFixture.archive()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let base = ["--model", try RescoringFixture.model(), "--nbest-dir", archive, "--ref", reference]
    func settings(_ arguments: [String], out: String) throws -> [String] {
      let result = try ToolRunner.run("rescore-nbest", base + ["--out", root + "/" + out] + arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      // The %WER lines but the best one, repeated last (the '#' lines are the summary).
      return result.stdout.split(separator: "\n").filter { $0.hasPrefix("%WER") }.dropLast()
        .compactMap { $0.split(separator: "/").last.map(String.init) }
    }
    #expect(
      try Set(settings(["--wip", "-0.5", "--lm-weights", "10", "--rnn-weights", "-0.5,0"], out: "a"))
        == ["wer_10_-0.5_rnn-0.5", "wer_10_-0.5_rnn0"])
    // Kaldi's names: --word-ins-penalty is --wip, --min-lmwt/--max-lmwt an LMWT range.
    #expect(
      try Set(settings(["--word-ins-penalty", "-1,0.5", "--min-lmwt", "9", "--max-lmwt", "11"], out: "b"))
        == Set(["wer_9_-1", "wer_10_-1", "wer_11_-1", "wer_9_0.5", "wer_10_0.5", "wer_11_0.5"].map { $0 + "_rnn0.5" }))
    #expect(
      try settings(["--wip", "3", "--word_ins_penalty=1", "--lm-weights", "7", "--lm-weights", "8"], out: "c") == [
        "wer_8_1_rnn0.5"
      ])
    let config = try Self.writeConfig("--min-lmwt=5\n--max-lmwt=6\n--word-ins-penalty=2\n", in: root)
    #expect(try Set(settings(["--config", config, "--wip", "0"], out: "d")) == ["wer_5_0_rnn0.5", "wer_6_0_rnn0.5"])
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--lm-weights", "10", "--min-lmwt", "9", "--max-lmwt", "11"]),
      "rescore-nbest",
      ["either --lm-weights or --min-lmwt/--max-lmwt"])
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--min-lmwt", "9"]), "rescore-nbest", ["go together"])
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--min-lmwt", "12", "--max-lmwt", "11"]), "rescore-nbest",
      ["1 <= min <= max"])
    Self.expectUsageError(
      try ToolRunner.run("rescore-nbest", base + ["--threads", "-3"]), "rescore-nbest", ["--threads must be at least 1"]
    )
  }

  // MARK: compute-wer: --ignore-case changes the WER; --sclite contradicts --align=kaldi.

  @Test func computeWERBooleans() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["ref": "u1 The cat\n", "hyp": "u1 the cat\n"], in: directory)
    let base = ["--mode", "strict", directory + "/ref", "--verbose", "0", directory + "/hyp"]
    func wer(_ arguments: [String]) throws -> String? {
      let result = try ToolRunner.run("compute-wer", arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      return result.stdout.split(separator: " ").dropFirst().first.map(String.init)
    }
    for arguments in Self.positions(of: "--ignore-case", in: base) {
      #expect(try wer(arguments) == "0.00", "\(arguments)")
    }
    for arguments in Self.positions(of: "--ignore-case=false", in: base) {
      #expect(try wer(arguments) == "50.00", "\(arguments)")
    }
    #expect(try wer(base + ["--ignore-case=0", "--ignore-case"]) == "0.00")
    #expect(try wer(["--ignore-case"] + base + ["--ignore-case=f"]) == "50.00")
    #expect(try wer(["--text", "--text=false", "--text=TRUE"] + base) == "50.00")
    #expect(try wer(base + ["--verbose", "-1"]) == "50.00")
    let config = try Self.writeConfig("--ignore-case=true\n--sclite\n", in: directory)
    #expect(try wer(base + ["--config", config]) == "0.00")
    #expect(try wer(["--ignore-case=false", "--config", config] + base) == "50.00")
    // The config's --sclite against --align=kaldi on the command line; --sclite=false clears it.
    Self.expectUsageError(
      try ToolRunner.run("compute-wer", base + ["--config", config, "--align=kaldi"]), "compute-wer", ["--sclite"])
    #expect(try wer(base + ["--config", config, "--align=kaldi", "--sclite=0"]) == "0.00")
    // The last --mode wins.
    try ToolRunner.write(["partial": "u1 The cat\nu2 a dog\n"], in: directory)
    let partial = try ToolRunner.run(
      "compute-wer", ["--mode=strict", "--mode", "present", directory + "/partial", directory + "/hyp"])
    #expect(partial.status == 0 && partial.stdout.contains("[PARTIAL]"), "\(partial.stderr)")
    // A boolean before a positional '-' (standard input) still reads it.
    let stdin = try ToolRunner.run("compute-wer", ["--ignore-case", directory + "/ref", "-"], stdin: "u1 THE CAT\n")
    #expect(stdin.status == 0 && stdin.stdout.hasPrefix("%WER 0.00"), "\(stdin.stderr)")
    Self.expectUsageError(
      try ToolRunner.run("compute-wer", base + ["--ignore-case=no"]), "compute-wer", ["--ignore-case", "'no'"])
    Self.expectUsageError(
      try ToolRunner.run("compute-wer", ["--ignore-case", "1"] + base), "compute-wer", ["--ignore-case=1"])
  }

  // MARK: rnnlm-train: --resume decides whether --data is needed; flags reach the model file.

  @Test func rnnlmTrainBooleansAndNegativeNumbers() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let base = ["--save", directory + "/none.mdl", "--epochs", "1"]
    for arguments in Self.positions(of: "--resume", in: base) {
      let result = try ToolRunner.run("rnnlm-train", arguments)
      #expect(result.status == 1 && result.stderr.contains("none.mdl.last"), "\(arguments): \(result.stderr)")
    }
    for arguments in Self.positions(of: "--resume=false", in: base) {
      Self.expectUsageError(
        try ToolRunner.run("rnnlm-train", arguments), "rnnlm-train", ["give --data DIR or --train-text FILE"])
    }
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", base + ["--resume", "--resume=0"]), "rnnlm-train", ["give --data"])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", base + ["--resume=t", "--resume", "no"]), "rnnlm-train", [])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", base + ["--concat=yes"]), "rnnlm-train", ["--concat", "'yes'"])
    // Negative numbers after a space reach the range checks.
    let train = ["--train-text", directory + "/train.txt"] + base
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", train + ["--lr-decay", "-1"]), "rnnlm-train",
      ["--lr-decay must be a number >= 1"])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", train + ["--lr", "-0.5"]), "rnnlm-train",
      ["--lr must be a positive number, got -0.5"])
    Self.expectUsageError(
      try ToolRunner.run("rnnlm-train", train + ["--lr=-1", "--lr", "2", "--clip", "-.5"]), "rnnlm-train",
      ["--clip must be a number >= 0"])
  }

  @Test func rnnlmTrainConfigAndCommandLineReachTheModel() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(["train.txt": RescoringFixture.sentences.joined(separator: "\n") + "\n"], in: directory)
    let config = try Self.writeConfig(
      "--tie-weights\n--carry-state=true\n--concat=false\n--emsize=8\n--nhid=8\n--nlayers=1\n--batch-size=2\n--epochs=1\n",
      in: directory)
    let arguments = [
      "--config", config, "--tie-weights=false", "--train-text", directory + "/train.txt", "--save",
      directory + "/m.mdl", "--concat",
    ]
    let result = try ToolRunner.run("rnnlm-train", arguments)
    #expect(result.status == 0, "\(result.stderr)")
    let file = try ModelFile.read(path: directory + "/m.mdl.last")
    #expect(file.model.config.tieWeights == false)
    #expect(file.options?.carryState == true)
    #expect(file.options?.concat == true)
    #expect(file.model.config.embeddingSize == 8)
  }

  // MARK: --help of every tool.

  @Test(arguments: tools)
  func helpShowsTrueDefaults(tool: String) throws {
    let result = try ToolRunner.run(tool, ["--help"])
    #expect(result.status == 0)
    #expect(!result.stdout.contains("default as flag"), "\(result.stdout)")
    let entries = Self.helpEntries(result.stdout)
    let booleans: [String: [String]] = [
      "rnnlm-train": [
        "--tie-weights", "--per-word-noise", "--remove-accidental-hits", "--concat", "--bucket-by-length",
        "--carry-state", "--resume",
      ],
      "rnnlm-eval": ["--self-norm-stats"], "rnnlm-score": ["--unnormalized", "--utt-ids"],
      "rescore-nbest": ["--reuse-rnn-costs"], "rescore-lattice": ["--oracle"],
      "compute-wer": ["--text", "--sclite", "--ignore-case"],
    ]
    for name in booleans[tool] ?? [] {
      #expect(entries[name]?.hasSuffix("(default: false)") == true, "\(name): \(entries[name] ?? "missing")")
    }
    let values: [String: [(String, String)]] = [
      "rnnlm-train": [("--lr", "1.0"), ("--lr-decay", "2.0"), ("--cell", "lstm"), ("--progress-interval", "30.0")],
      "rnnlm-eval": [("--normalized/--unnormalized", "--normalized"), ("--threads", "1")],
      "rnnlm-score": [("--threads", "1")],
      "rescore-nbest": [
        ("--normalized/--unnormalized", "--normalized"), ("--wip, --word-ins-penalty", "0"), ("--rnn-weights", "0.5"),
        ("--lm-weights", "10"),
      ],
      "rescore-lattice": [
        ("--normalized/--unnormalized", "--normalized"), ("--max-ngram-order", "4"), ("--format", "auto"),
        ("--rnn-weights", "0.5"), ("--lm-weights", "10"), ("--threads", "1"),
      ],
      "compute-wer": [("--mode", "strict"), ("--special-symbol", "<eps>")],
    ]
    for (name, value) in values[tool] ?? [] {
      #expect(entries[name]?.contains("default: \(value))") == true, "\(name): \(entries[name] ?? "missing")")
    }
    // --epochs has no fixed default: a resumed run keeps the interrupted run's total.
    if tool == "rnnlm-train" { #expect(entries["--epochs"]?.contains("default 40; on --resume") == true) }
  }

  /// Option label (`--name`, without the value placeholder) -> its help text on one line.
  static func helpEntries(_ help: String) -> [String: String] {
    var entries: [String: String] = [:]
    var label: String?
    for line in help.split(separator: "\n").map(String.init) {
      if line.hasPrefix("  -") {
        let text = line.dropFirst(2)
        let parts = text.components(separatedBy: "  ")
        let name = parts[0].components(separatedBy: " <")[0].trimmingCharacters(in: .whitespaces)
        label = name
        entries[name] = parts.dropFirst().joined(separator: " ").trimmingCharacters(in: .whitespaces)
      } else if line.hasPrefix("   "), let current = label {
        entries[current, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
      } else {
        label = nil
      }
    }
    return entries.mapValues { $0.trimmingCharacters(in: .whitespaces) }
  }
}
