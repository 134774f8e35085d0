import Foundation
import Testing

/// `rnnlm-train --direct` through the real binaries: the scoring tools read the model and use
/// the features (rnnlm-eval's perplexity on the validation text is the one training reported),
/// and `--resume` refuses other direct settings.
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
    // rescore-lattice refuses such a model with one error line, before reading any lattice.
    try "<eps> 0\nthe 1\n".write(toFile: directory + "/words.txt", atomically: false, encoding: .utf8)
    let lattice = try ToolRunner.run(
      "rescore-lattice",
      [
        "--model", model, "--symbol-table", directory + "/words.txt", "--lattices", directory + "/none.txt", "--out",
        directory + "/lat",
      ])
    #expect(lattice.status == 1, "\(lattice.stderr)")
    #expect(
      lattice.stderr.contains("direct n-gram features")
        && lattice.stderr.split(separator: "\n").filter { $0.hasPrefix("ERROR") }.count == 1)
    #expect(!FileManager.default.fileExists(atPath: directory + "/lat"))
    try TrainingResumeCLITests.expectFailure(
      directory, TrainingResumeCLITests.arguments(directory, epochs: 2) + direct + ["--resume", "--direct-order", "2"],
      "--direct-order 2 differs from 3")
    let resumed = try ToolRunner.run(
      "rnnlm-train", TrainingResumeCLITests.arguments(directory, epochs: 2) + direct + ["--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
  }
}
