import NBestRescoring
import NCEModel
import Testing
import ToolOptions

/// The options of rnnlm-train and rescore-nbest become the library requests the pipelines run.
@Suite struct CommandLineMappingTests {
  @Test func trainingOptionsBecomeTheRequest() throws {
    let options = try TrainingCommandLine.parse([
      "--train-text", "t.txt", "--valid-text", "v.txt", "--lr", "0.5", "--nhid", "64", "--emsize", "32",
      "--cell", "gru", "--loss", "nce", "--noise-ratio", "100", "--norm-term", "auto", "--epochs", "3",
      "--batch-size", "8", "--concat", "--threads", "2", "--save", "m.mdl",
    ])
    let request = options.request
    #expect(request.trainText == "t.txt" && request.validText == "v.txt" && request.savePath == "m.mdl")
    #expect(request.options.learningRate == 0.5 && request.options.batchSize == 8 && request.options.concat)
    #expect(request.options.threads == 2 && request.epochs == 3 && request.options.epochs == 3)
    #expect(request.model.hiddenSize == 64 && request.model.embeddingSize == 32 && request.model.cell == .gru)
    #expect(request.model.loss == .nce && request.model.noiseRatio == 100 && request.normTerm == .auto)
    #expect(!request.resume)
  }

  @Test func trainingOptionsAreCheckedWhenParsed() {
    #expect(throws: (any Error).self) { try TrainingCommandLine.parse(["--save", "m.mdl"]) }
    #expect(throws: (any Error).self) { try TrainingCommandLine.parse(["--train-text", "t", "--norm-term", "x"]) }
    #expect(throws: (any Error).self) { try TrainingCommandLine.parse(["--train-text", "t", "--min-freq", "0"]) }
    #expect((try? TrainingCommandLine.parse(["--save", "m.mdl", "--resume"]))?.request.resume == true)
  }

  /// `--direct` in millions of weights, its order, learning rate and L2; the direct settings
  /// without `--direct`, a negative size and `--direct` with the index module are refused.
  @Test func directFeatureOptionsBecomeTheRequest() throws {
    let request = try TrainingCommandLine.parse([
      "--train-text", "t", "--direct", "0.25", "--direct-order", "4", "--direct-lr", "0.3", "--direct-l2", "0",
    ]).request
    #expect(request.model.direct == DirectFeatureConfig(tableSize: 250_000, order: 4))
    #expect(request.options.directLearningRate == 0.3 && request.options.directL2 == 0)
    let defaults = try TrainingCommandLine.parse(["--train-text", "t", "--direct", "2"]).request
    #expect(defaults.model.direct == DirectFeatureConfig(tableSize: 2_000_000, order: 3))
    #expect(defaults.options.directLearningRate == 20 && defaults.options.directL2 == 1e-6)
    #expect(try TrainingCommandLine.parse(["--train-text", "t"]).request.model.direct == nil)
    // Fewer than 100 noise samples shared by the batch scale the default rate by k/100.
    func defaultRate(_ arguments: [String]) throws -> Float {
      try TrainingCommandLine.parse(["--train-text", "t", "--direct", "1"] + arguments).request.options
        .directLearningRate
    }
    #expect(try defaultRate(["--loss", "nce", "--noise-ratio", "20"]) == 4)
    #expect(try defaultRate(["--loss", "sampled", "--noise-ratio", "50"]) == 10)
    #expect(try defaultRate(["--loss", "nce", "--noise-ratio", "20", "--per-word-noise"]) == 20)
    #expect(try defaultRate(["--loss", "nce", "--noise-ratio", "500"]) == 20)
    #expect(try defaultRate(["--loss", "self"]) == 20)
    #expect(try defaultRate(["--loss", "nce", "--noise-ratio", "20", "--direct-lr", "7"]) == 7)
    for bad in [
      ["--direct-order", "3"], ["--direct-lr", "1"], ["--direct", "-1"], ["--direct", "1", "--direct-l2", "-1"],
      ["--direct", "1", "--index-module", "gru", "--cell", "gru", "--nlayers", "1"],
    ] {
      #expect(throws: (any Error).self, "\(bad)") { try TrainingCommandLine.parse(["--train-text", "t"] + bad) }
    }
  }

  @Test func rescoringOptionsBecomeTheConfiguration() throws {
    let options = try RescoringCommandLine.parse([
      "--model", "m.mdl", "--nbest-dir", "a.1", "--nbest-dir", "a.2", "--out", "exp", "--unnormalized",
      "--ref", "text", "--rnn-weights", "0:0.5:1", "--min-lmwt", "7", "--max-lmwt", "9", "--word-ins-penalty", "0,1",
      "--threads", "2",
    ])
    let configuration = try options.rescoringConfiguration()
    #expect(configuration.nbestDirectories == ["a.1", "a.2"] && configuration.outputDirectory == "exp")
    #expect(configuration.rnnCosts == .model("m.mdl") && configuration.scoring == .unnormalized)
    #expect(configuration.rnnWeights.values == [0, 0.5, 1] && configuration.lmWeights.values == [7, 8, 9])
    #expect(configuration.insertionPenalties.values == [0, 1] && configuration.threads == 2)
    #expect(configuration.reference == "text")
  }

  @Test func rescoringOptionsAreCheckedWhenParsed() {
    let base = ["--model", "m.mdl", "--nbest-dir", "a.1"]
    #expect(throws: (any Error).self) { try RescoringCommandLine.parse(base + ["--reuse-rnn-costs"]) }
    #expect(throws: (any Error).self) { try RescoringCommandLine.parse(base + ["--lm-weights", "0"]) }
    #expect(throws: (any Error).self) { try RescoringCommandLine.parse(base + ["--mode", "all"]) }
    #expect(throws: (any Error).self) { try RescoringCommandLine.parse(["--nbest-dir", "a.1"]) }
    #expect((try? RescoringCommandLine.parse(base)) != nil)
  }
}
