import FileIO
import Foundation
import NCECore
import NCEModel
import TestSupport
import Testing

@testable import NBestRescoring

/// The rescoring pipeline driven directly: its outputs equal what its parts compute, it
/// publishes nothing unless the whole run succeeds, and it refuses outputs that are inputs.
@Suite struct NBestRescoringPipelineTests {
  struct Failure: Error {}

  /// Progress counts every hypothesis once, by time (a line per second of the fake clock).
  @Test func progressCountsEveryHypothesis() throws {
    let fixture = try PipelineFixture()
    final class Box: @unchecked Sendable {
      var lines: [String] = []
      var now = 0.0
    }
    let box = Box()
    let meter = ProgressMeter(
      tool: "rescore-nbest", label: "rescoring", unit: "hypotheses", style: .log(interval: 1),
      clock: {
        box.now += 1
        return box.now
      }, output: { box.lines.append($0) })
    try NBestRescoringPipeline.run(fixture.configuration(out: fixture.root + "/exp"), progress: meter)
    #expect(box.lines.last?.hasPrefix("LOG (rescore-nbest) rescoring: 13 hypotheses") == true, "\(box.lines)")
  }

  /// Unnormalized costs from a model trained with full softmax: one warning measured on the
  /// first hypotheses (all 13 here); none when scoring normalized.
  @Test func unnormalizedScoringOfACrossEntropyModelWarnsOnce() throws {
    let fixture = try PipelineFixture()
    var configuration = fixture.configuration(out: fixture.root + "/exp")
    configuration.scoring = .unnormalized
    var warnings: [String] = []
    try NBestRescoringPipeline.run(configuration, warn: { warnings.append($0) })
    #expect(warnings.count == 1)
    #expect(warnings.first?.contains("--loss full") == true && warnings.first?.contains("first 13 sentences") == true)
    warnings.removeAll()
    try NBestRescoringPipeline.run(fixture.configuration(out: fixture.root + "/exp2"), warn: { warnings.append($0) })
    #expect(warnings.isEmpty)
  }

  /// A cost that is not finite from the model (its scores overflowed) is an error naming the
  /// hypothesis; finite costs pass.
  @Test func nonFiniteRNNCostsAreRefused() throws {
    for bad in [Double.infinity, -.infinity, .nan] {
      var hypotheses = (1...3).map { NBestHypothesis(rank: $0, words: ["a"], acousticCost: 1) }
      for h in hypotheses.indices { hypotheses[h].rnnCost = 2 }
      hypotheses[1].rnnCost = bad
      let error = #expect(throws: InputError.self) {
        try RescoringPass.checkScored(NBestList(utteranceID: "u7", hypotheses: hypotheses))
      }
      #expect(error?.message.contains("for hypothesis u7-2 of utterance u7: the model's scores overflow") == true)
      hypotheses[1].rnnCost = 2
      try RescoringPass.checkScored(NBestList(utteranceID: "u7", hypotheses: hypotheses))
    }
  }

  /// A run that fails on an input leaves no new output directory behind, before or after
  /// creating it (a bad model; a bad ARPA file, read once the directories exist).
  @Test func failedRunsLeaveNoNewDirectory() throws {
    let fixture = try PipelineFixture()
    let out = fixture.root + "/new/exp"
    var configuration = fixture.configuration(out: out)
    try "not a model".write(toFile: fixture.root + "/bad.mdl", atomically: false, encoding: .utf8)
    configuration.rnnCosts = .model(fixture.root + "/bad.mdl")
    #expect(throws: InputError.self) { try NBestRescoringPipeline.run(configuration) }
    #expect(!FileManager.default.fileExists(atPath: fixture.root + "/new"))
    configuration = fixture.configuration(out: out)
    try "no ARPA here\n".write(toFile: fixture.root + "/bad.arpa", atomically: false, encoding: .utf8)
    configuration.arpa = fixture.root + "/bad.arpa"
    #expect(throws: InputError.self) { try NBestRescoringPipeline.run(configuration) }
    #expect(!FileManager.default.fileExists(atPath: fixture.root + "/new"))
    try NBestRescoringPipeline.run(fixture.configuration(out: out))
    #expect(FileManager.default.fileExists(atPath: out + "/text"))
  }

  /// Tables, `text`, `wer_*` files and the printed lines equal the scorer's costs and a sweep
  /// over the scored lists run by hand.
  @Test func outputsEqualWhatThePartsCompute() throws {
    let fixture = try PipelineFixture()
    let out = fixture.root + "/exp"
    var notes: [String] = []
    let result = try NBestRescoringPipeline.run(fixture.configuration(out: out), log: { notes.append($0) })
    #expect(notes.contains("read 3 utterances, 13 hypotheses"))

    var lists = try KaldiNBestArchiveReader(directory: fixture.archive).readAll()
    let file = try ModelFile.read(path: fixture.model, optimizerState: false)
    let oov = try OOVCost.resolve(unkPenalty: nil, oovTypes: nil, vocabulary: file.vocabulary)
    NBestRNNScorer(model: file.model, vocabulary: file.vocabulary, mode: .normalized, oovCost: oov).score(&lists)
    let rnnLines = try String(contentsOfFile: out + "/lmwt.rnn", encoding: .utf8).split(separator: "\n")
    let hypotheses = lists.flatMap { list in list.hypotheses.indices.map { (list.key(of: $0), list.hypotheses[$0]) } }
    #expect(rnnLines.count == hypotheses.count)
    for (line, (key, hypothesis)) in zip(rnnLines, hypotheses) {
      let fields = line.split(separator: " ")
      #expect(String(fields[0]) == key)
      #expect(RNNScoringSupport.isClose(Double(fields[1])!, hypothesis.rnnCost!, relative: 1e-5), "\(line)")
    }
    let sweep = try WeightSweep(
      rnnWeights: WeightGrid(values: [0, 0.5, 1]), lmWeights: WeightGrid(values: [1, 10]),
      insertionPenalties: WeightGrid(values: [0, 1]), baseOOVCost: oov.penalty,
      references: [
        ("u1", ["the", "cat", "sat", "on", "the", "mat"]), ("u2", ["a", "big", "red", "hat"]), ("u3", ["dog", "ran"]),
      ],
      scratchDirectory: fixture.root)
    for list in lists { try sweep.add(list) }
    let expected = try sweep.run()
    #expect(result.report.bestIndex == expected.bestIndex)
    #expect(result.report.summaries.map(\.counts) == expected.summaries.map(\.counts))
    #expect(
      try String(contentsOfFile: out + "/text", encoding: .utf8) == sweep.selectedText(setting: expected.bestIndex))
    #expect(result.standardOutput == expected.standardOutput(prefix: out + "/"))
    #expect(result.standardOutput.hasPrefix(expected.werLines(prefix: out + "/")))
    #expect(result.standardOutput.hasSuffix(expected.bestWERLine(prefix: out + "/")))
    for (index, setting) in expected.settings.enumerated() {
      #expect(
        try String(contentsOfFile: out + "/" + setting.werName, encoding: .utf8)
          == expected.summaries[index].kaldiReport())
    }
    let written =
      ["lmwt.rnn", "lmwt.interp.0", "lmwt.interp.0.5", "lmwt.interp.1"] + expected.settings.map(\.werName)
      + ["best_weights", "text"]
    #expect(result.outputs == written.map { out + "/" + $0 })
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == written.sorted())
  }

  /// A run that fails after its tables are staged (while reporting, or on the second input
  /// after the first input's tables are complete) leaves every previous output byte-identical
  /// and no temporary file.
  @Test func aLateFailureLeavesEveryPreviousOutputByteIdentical() throws {
    let fixture = try PipelineFixture()
    let second = fixture.root + "/archives.2"
    try PipelineFixture.writeArchive(
      RNNScoringSupport.lists().map { list in
        var list = list
        list.utteranceID = "b" + list.utteranceID
        return list
      }, to: second)
    let out = fixture.root + "/exp"
    var configuration = fixture.configuration(out: out)
    configuration.nbestDirectories = [fixture.archive, second]
    configuration.reference = nil
    configuration.rnnWeights = WeightGrid(values: [0.5])
    configuration.lmWeights = WeightGrid(values: [10])
    configuration.insertionPenalties = WeightGrid(values: [0])
    try NBestRescoringPipeline.run(configuration)
    let before = fileSnapshot(of: out)
    #expect(
      Set(before.keys) == [
        "text", "archives.1/lmwt.rnn", "archives.1/lmwt.interp.0.5", "archives.2/lmwt.rnn",
        "archives.2/lmwt.interp.0.5",
      ])

    // Another model gives other costs, but the run fails when it would print.
    let other = fixture.root + "/other.mdl"
    try ModelFile(model: RNNScoringSupport.model(seed: 99), vocabulary: RNNScoringSupport.vocabulary()).write(to: other)
    configuration.rnnCosts = .model(other)
    var reported = false
    #expect(throws: Failure.self) {
      try NBestRescoringPipeline.run(
        configuration,
        report: { _ in
          reported = true
          throw Failure()
        })
    }
    #expect(reported)
    #expect(fileSnapshot(of: out) == before)

    // The second input's last cost is bad: its error comes after the first input's tables.
    let acwt = try String(contentsOfFile: second + "/acwt", encoding: .utf8)
    try (acwt.dropLast(2) + "x\n").write(toFile: second + "/acwt", atomically: false, encoding: .utf8)
    let error = #expect(throws: InputError.self) { try NBestRescoringPipeline.run(configuration) }
    #expect(error?.file == second + "/acwt")
    #expect(fileSnapshot(of: out) == before)

    // The sweep fails after every table is written: no reference utterance has a list.
    try acwt.write(toFile: second + "/acwt", atomically: false, encoding: .utf8)
    let unrelated = fixture.root + "/unrelated-text"
    try "zz1 a b\n".write(toFile: unrelated, atomically: false, encoding: .utf8)
    configuration.reference = unrelated
    let sweepError = #expect(throws: InputError.self) { try NBestRescoringPipeline.run(configuration) }
    #expect(sweepError?.file == unrelated)
    #expect(fileSnapshot(of: out) == before)
  }

  /// With `.reuse` the `lmwt.rnn` that is read is not rewritten (same inode, same bytes),
  /// and the sweep equals the scoring run's.
  @Test func reusedCostsLeaveTheirTableAsItIs() throws {
    let fixture = try PipelineFixture()
    let scored = try NBestRescoringPipeline.run(fixture.configuration(out: nil))
    let table = fixture.archive + "/lmwt.rnn"
    let bytes = FileManager.default.contents(atPath: table)
    let inode = try FileManager.default.attributesOfItem(atPath: table)[.systemFileNumber] as? Int
    var configuration = fixture.configuration(out: nil)
    configuration.rnnCosts = .reuse
    let reused = try NBestRescoringPipeline.run(configuration)
    #expect(reused.standardOutput == scored.standardOutput)
    #expect(!reused.outputs.contains(table))
    #expect(FileManager.default.contents(atPath: table) == bytes)
    #expect(try FileManager.default.attributesOfItem(atPath: table)[.systemFileNumber] as? Int == inode)
  }

  /// Every input option whose file would be overwritten: refused before any work, the
  /// error names the output and the input, and nothing changes on disk.
  @Test func outputsThatAreInputsAreRefusedBeforeAnyWork() throws {
    let fixture = try PipelineFixture()
    let out = fixture.root + "/out"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    func expectRefused(_ configuration: RescoringConfiguration, output: String, naming input: String) {
      let before = fileSnapshot(of: fixture.root)
      let error = #expect(throws: InputError.self) { try NBestRescoringPipeline.run(configuration) }
      #expect(error?.file == output, "\(String(describing: error))")
      #expect(
        error?.message.contains("output would overwrite the input \(input)") == true, "\(String(describing: error))")
      #expect(fileSnapshot(of: fixture.root) == before)
    }
    // --ref D/text --out D
    var configuration = fixture.configuration(out: fixture.root)
    expectRefused(configuration, output: fixture.reference, naming: "--ref '\(fixture.reference)'")
    // --model and --arpa under output names (the ARPA one is a wer_ file: checked once the
    // sweep has named them).
    try FileManager.default.copyItem(atPath: fixture.model, toPath: out + "/lmwt.interp.0.5")
    configuration = fixture.configuration(out: out)
    configuration.rnnCosts = .model(out + "/lmwt.interp.0.5")
    expectRefused(configuration, output: out + "/lmwt.interp.0.5", naming: "--model '\(out)/lmwt.interp.0.5'")
    try FileManager.default.removeItem(atPath: out + "/lmwt.interp.0.5")
    try "\\data\\\n".write(toFile: out + "/wer_10_1_rnn0.5", atomically: false, encoding: .utf8)
    configuration = fixture.configuration(out: out)
    configuration.arpa = out + "/wer_10_1_rnn0.5"
    expectRefused(configuration, output: out + "/wer_10_1_rnn0.5", naming: "--arpa '\(out)/wer_10_1_rnn0.5'")
    try FileManager.default.removeItem(atPath: out + "/wer_10_1_rnn0.5")
    // An N-best file hard-linked under an output name; an N-best file given as the input.
    try FileManager.default.linkItem(atPath: fixture.archive + "/acwt", toPath: out + "/text")
    expectRefused(
      fixture.configuration(out: out), output: out + "/text", naming: "'\(fixture.archive)/acwt' (in --nbest-dir")
    try FileManager.default.removeItem(atPath: out + "/text")
    try "u1 -1 -2 1 a\n".write(toFile: out + "/text", atomically: false, encoding: .utf8)
    configuration = fixture.configuration(out: out)
    configuration.nbestDirectories = [out + "/text"]
    configuration.format = .srilm
    configuration.reference = nil
    configuration.rnnWeights = WeightGrid(values: [0.5])
    configuration.lmWeights = WeightGrid(values: [10])
    configuration.insertionPenalties = WeightGrid(values: [0])
    expectRefused(configuration, output: out + "/text", naming: "--nbest-dir '\(out)/text'")
    // A reused table part hard-linked as an interpolated table of the run.
    try FileManager.default.removeItem(atPath: out + "/text")
    try NBestRescoringPipeline.run(fixture.configuration(out: out))
    try FileManager.default.moveItem(atPath: out + "/lmwt.rnn", toPath: out + "/lmwt.rnn.1")
    try FileManager.default.removeItem(atPath: out + "/lmwt.interp.1")
    try FileManager.default.linkItem(atPath: out + "/lmwt.rnn.1", toPath: out + "/lmwt.interp.1")
    configuration = fixture.configuration(out: out)
    configuration.rnnCosts = .reuse
    expectRefused(configuration, output: out + "/lmwt.interp.1", naming: "--reuse-rnn-costs '\(out)/lmwt.rnn.1'")
  }

  @Test func configurationsThatCannotRunAreUsageErrors() throws {
    let fixture = try PipelineFixture()
    var configurations: [RescoringConfiguration] = []
    var configuration = fixture.configuration(out: nil)
    configuration.shard = try UtteranceShard(job: 1, count: 2)
    configurations.append(configuration)  // a shard needs --out
    configuration = fixture.configuration(out: nil)
    configuration.rnnCosts = .reuse
    configuration.threads = 2
    configurations.append(configuration)
    configuration = fixture.configuration(out: nil)
    configuration.interpolation = .linear
    configurations.append(configuration)  // needs --arpa
    configuration = fixture.configuration(out: fixture.root + "/o")
    configuration.nbestDirectories = [fixture.archive, fixture.root + "/x/archives.1"]
    configurations.append(configuration)  // same basenames
    for configuration in configurations {
      #expect(throws: RescoringUsageError.self) { try NBestRescoringPipeline.run(configuration) }
    }
    #expect(!FileManager.default.fileExists(atPath: fixture.root + "/o"))
  }
}
