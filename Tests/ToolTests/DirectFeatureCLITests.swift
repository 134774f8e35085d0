import Foundation
import Testing

/// `rnnlm-train --direct` through the real binaries: the scoring tools read the model and use
/// the features (rnnlm-eval's perplexity on the validation text is the one training reported;
/// rescore-lattice scores every path as rescore-nbest does), and `--resume` refuses other
/// direct settings.
@Suite(.enabled(if: ToolRunner.isBuilt("rnnlm-train")))
struct DirectFeatureCLITests {
  @Test func aDirectModelTrainsScoresAndRefusesOtherSettingsOnResume() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    _ = try CrashSafetyTests.writeCorpus(in: directory, trainSentences: 30)
    let direct = [
      "--loss", "nce", "--noise-ratio", "5", "--direct", "0.001", "--direct-order", "3", "--direct-lr", "3",
    ]
    let arguments = TrainingResumeCLITests.arguments(directory) + direct
    let trained = try ToolRunner.run("rnnlm-train", arguments)
    #expect(trained.status == 0, "\(trained.stderr)")
    let epochLine = trained.stdout.split(separator: "\n").first { $0.contains("valid-ppl ") }
    let validPPL = epochLine.flatMap { line in
      line.split(separator: " ").drop { $0 != "valid-ppl" }.dropFirst().first.map(String.init)
    }
    let model = directory + "/m.mdl"
    let eval = try ToolRunner.run(
      "rnnlm-eval", ["--model", model, "--text", directory + "/valid.txt", "--self-norm-stats"])
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(validPPL != nil && eval.stdout.contains("ppl \(validPPL!) "), "\(trained.stdout)\n\(eval.stdout)")
    #expect(eval.stdout.contains("self-norm "))
    let score = try ToolRunner.run("rnnlm-score", ["--model", model, "--text", directory + "/valid.txt"])
    #expect(score.status == 0 && !score.stdout.isEmpty, "\(score.stderr)")
    try Self.expectLatticeRescoringToMatchRescoreNBest(model: model)
    try TrainingResumeCLITests.expectFailure(
      directory, TrainingResumeCLITests.arguments(directory, epochs: 2) + direct + ["--resume", "--direct-order", "2"],
      "--direct-order 2 differs from 3")
    let resumed = try ToolRunner.run(
      "rnnlm-train", TrainingResumeCLITests.arguments(directory, epochs: 2) + direct + ["--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
  }

  /// rescore-lattice with the direct `model` on a lattice archive, exact (`--max-ngram-order`
  /// above every path's length), against rescore-nbest on the archive's N-best union (every
  /// path, written by rescore-lattice at RNN weight 0 with its old costs): each path's RNN cost
  /// (rescore-lattice's `--nbest` archive at RNN weight 1) is rescore-nbest's `lmwt.rnn`, and
  /// the sweep selects the same hypotheses (every `wer_*` file and `text` equal).
  static func expectLatticeRescoringToMatchRescoreNBest(model: String) throws {
    let (root, words, archive, reference) = try RescoreLatticeCLITests.lattices()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let sweep = ["--rnn-weights", "0,0.5,1", "--lm-weights", "1,10", "--wip", "0,1", "--ref", reference]
    func rescoreLattice(_ name: String, _ options: [String]) throws {
      let result = try ToolRunner.run(
        "rescore-lattice",
        [
          "--model", model, "--symbol-table", words, "--lattices", "ark,t:" + archive, "--max-ngram-order", "8",
          "--out", root + "/" + name,
        ] + options)
      #expect(result.status == 0, "\(result.stderr)")
    }
    try rescoreLattice("union", ["--rnn-weights", "0", "--nbest", "100", "--nbest-out", root + "/union"])
    try rescoreLattice("rnn", ["--rnn-weights", "1", "--nbest", "100", "--nbest-out", root + "/rnn"])
    try rescoreLattice("lattice", sweep)
    let nbest = try ToolRunner.run(
      "rescore-nbest", ["--model", model, "--nbest-dir", root + "/union", "--out", root + "/nbest"] + sweep)
    #expect(nbest.status == 0, "\(nbest.stderr)")
    /// `key value` lines of `file` keyed by the words of `key` in `directory/words_text`.
    func costsByWords(_ file: String, in directory: String) -> [String: Double] {
      func table(_ path: String) -> [(String, String)] {
        (ToolRunner.read(path) ?? "").split(separator: "\n").map { line in
          let key = line.prefix { $0 != " " }
          return (String(key), String(line.dropFirst(key.count).drop { $0 == " " }))
        }
      }
      let wordsOfKey = Dictionary(uniqueKeysWithValues: table(directory + "/words_text"))
      let pairs = table(file).map { key, value in
        ("\(key.split(separator: "-").dropLast().joined(separator: "-")) \(wordsOfKey[key] ?? "?")", Double(value)!)
      }
      return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
    }
    let lattice = costsByWords(root + "/rnn/lmwt.lmonly", in: root + "/rnn")
    let rescored = costsByWords(root + "/nbest/lmwt.rnn", in: root + "/union")
    #expect(lattice.count == 5 && Set(lattice.keys) == Set(rescored.keys), "\(lattice) \(rescored)")
    for (path, cost) in lattice {
      #expect(abs(cost - (rescored[path] ?? .nan)) < 1e-4, "\(path): \(cost) against \(rescored[path] ?? .nan)")
    }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/lattice")) ?? []).filter {
      $0.hasPrefix("wer_")
    }
    #expect(names.count == 12)
    for name in names + ["text"] {
      #expect(ToolRunner.read(root + "/lattice/" + name) == ToolRunner.read(root + "/nbest/" + name), "\(name)")
    }
  }
}
