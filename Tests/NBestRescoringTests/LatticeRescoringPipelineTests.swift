import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import Testing
import WERScoring

/// `LatticeRescoringPipeline` on small random lattices with the tiny test model: the sweep
/// picks each setting's lattice best path, threads do not change results, both formats agree,
/// the N-best directory round-trips through rescore-nbest's reader, outputs are staged.
@Suite struct LatticeRescoringPipelineTests {
  static let symbols = LatticeRNNRescorerTests.symbols
  static let keys = ["u1", "u2", "u3"]

  /// A model, `words.txt`, a reference, random lattices as a Kaldi text archive and as SLF files.
  struct Fixture {
    let base: PipelineFixture
    let words: String
    let archive: String
    let slf: String
    let lattices: [Lattice]

    init(seed: UInt64, direct: DirectFeatureConfig? = nil) throws {
      base = try PipelineFixture(direct: direct)
      words = base.root + "/words.txt"
      var table = ""
      for id in 0...Int(LatticeRescoringPipelineTests.symbols.maxID) {
        table += "\(LatticeRescoringPipelineTests.symbols.word(of: Int32(id))!) \(id)\n"
      }
      try table.write(toFile: words, atomically: false, encoding: .utf8)
      var generator = SeededGenerator(seed: seed)
      var lattices: [Lattice] = []
      for key in LatticeRescoringPipelineTests.keys {
        var (lattice, _) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 9)
        lattice.key = key
        lattices.append(lattice)
      }
      self.lattices = lattices
      archive = base.root + "/lat.txt"
      try KaldiLatticeWriter.text(of: lattices).write(toFile: archive, atomically: false, encoding: .utf8)
      slf = base.root + "/slf"
      try FileManager.default.createDirectory(atPath: slf, withIntermediateDirectories: true)
      for lattice in lattices {
        try HTKLatticeWriter.text(
          of: lattice, header: HTKLatticeHeader(utterance: lattice.key), symbols: LatticeRescoringPipelineTests.symbols
        )
        .write(toFile: slf + "/\(lattice.key).lat", atomically: false, encoding: .utf8)
      }
    }

    func configuration(out: String, lattices: String? = nil) -> LatticeRescoringConfiguration {
      var configuration = LatticeRescoringConfiguration(
        lattices: [lattices ?? archive], symbolTable: words, model: base.model, outputDirectory: out)
      configuration.reference = base.reference
      configuration.rnnWeights = WeightGrid(values: [0, 0.5, 1])
      configuration.lmWeights = WeightGrid(values: [1, 10])
      configuration.insertionPenalties = WeightGrid(values: [0, 2])
      configuration.maxNgramOrder = 2
      configuration.oracle = true
      return configuration
    }
  }

  static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  @Test(arguments: [false, true])
  func sweepSelectsEverySettingsLatticeBestPath(direct: Bool) throws {
    let fixture = try Fixture(seed: 1441, direct: direct ? LatticeRNNRescorerTests.direct : nil)
    let out = fixture.base.root + "/out"
    let configuration = fixture.configuration(out: out)
    let result = try LatticeRescoringPipeline.run(configuration)
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .normalized, oovPenalty: 0)
    let (references, _) = try KaldiTextReader.read(path: fixture.base.reference)
    let oov = try OOVCost.resolve(unkPenalty: nil, oovTypes: nil, vocabulary: RNNScoringSupport.vocabulary())
    let exact = LatticeRNNRescorer(
      model: try ModelFile.read(path: fixture.base.model, optimizerState: false).model, mode: .normalized,
      oovCost: oov, tokens: rescorer.tokens)
    var bestTexts: [String] = []
    for (index, setting) in result.report.settings.enumerated() {
      var summary = WERSummary()
      var text = ""
      for lattice in fixture.lattices {
        let oldLM = LatticeRNNRescorer.OldLMCosts(
          arcs: lattice.arcs.map(\.weight.graph), finals: lattice.finals.map { $0?.weight.graph ?? 0 })
        let rescored = try exact.rescore(
          lattice, maxNgramOrder: 2, oldLMCosts: oldLM,
          weights: configuration.mergeWeights(rnnWeight: setting.rnnWeight))
        let path = try #require(
          try LatticeBestPath.find(
            in: rescored.lattice, lmWeight: setting.lmWeight, wordInsertionPenalty: setting.insertionPenalty))
        let words = path.words.map { Self.symbols.word(of: $0)! }
        summary.add(WordAligner.counts(reference: references[lattice.key]!, hypothesis: words))
        text += ([lattice.key] + words).joined(separator: " ") + "\n"
      }
      #expect(summary.counts == result.report.summaries[index].counts, "setting \(setting.werName)")
      bestTexts.append(text)
    }
    #expect(try Self.read(out + "/text") == bestTexts[result.report.bestIndex])
    #expect(result.report.settings.count == 12)
    for setting in result.report.settings {
      #expect(FileManager.default.fileExists(atPath: out + "/" + setting.werName))
    }
    #expect(try Self.read(out + "/best_weights").hasPrefix("# rescore-lattice: the best of 12 settings"))
    #expect(result.standardOutput.hasSuffix(result.report.bestWERLine(prefix: out + "/")))
    #expect(result.standardOutput.contains("# lattice oracle: "))
    #expect(
      result.statistics.lattices == 3 && result.statistics.arcsIn == fixture.lattices.map(\.arcs.count).reduce(0, +))
  }

  @Test(arguments: [false, true])
  func threadsAndFormatsGiveTheSameResults(direct: Bool) throws {
    let fixture = try Fixture(seed: 1442, direct: direct ? LatticeRNNRescorerTests.direct : nil)
    var outputs: [[String]] = []
    for (k, (threads, input)) in [(1, fixture.archive), (3, fixture.archive), (2, fixture.slf)].enumerated() {
      let out = fixture.base.root + "/out\(k)"
      var configuration = fixture.configuration(out: out, lattices: input)
      configuration.threads = threads
      let result = try LatticeRescoringPipeline.run(configuration)
      let files = ["text", "best_weights", "oracle_wer"] + result.report.settings.map(\.werName)
      outputs.append(
        try files.map { try Self.read(out + "/" + $0) } + [
          result.standardOutput.replacingOccurrences(of: out, with: "")
        ])
    }
    #expect(outputs[0] == outputs[1])
    #expect(outputs[0] == outputs[2])
  }

  @Test func nbestDirectoryRoundTripsThroughRescoreNBestsReader() throws {
    let fixture = try Fixture(seed: 1443)
    let out = fixture.base.root + "/out"
    var configuration = fixture.configuration(out: out)
    configuration.rnnWeights = WeightGrid(values: [0.5])
    configuration.lmWeights = WeightGrid(values: [10])
    configuration.insertionPenalties = WeightGrid(values: [0.5])
    configuration.nbest = (4, fixture.base.root + "/nbest")
    configuration.writeLattices = "ark,t:" + fixture.base.root + "/rescored.txt"
    try LatticeRescoringPipeline.run(configuration)
    let reader = try KaldiNBestArchiveReader(directory: fixture.base.root + "/nbest")
    let texts = try Self.read(out + "/text").split(separator: "\n").map(String.init)
    let rescored = try KaldiLatticeReader(rspecifier: fixture.base.root + "/rescored.txt").readAll()
    var count = 0
    while let list = try reader.nextList() {
      #expect(list.hypotheses.count <= 4 && !list.hypotheses.isEmpty)
      #expect(Set(list.hypotheses.map(\.words)).count == list.hypotheses.count)
      // The archive's n-gram cost is the rescored LM cost: at RNN weight 0 rank 1 stays best.
      let best = try ScoreCombination.bestIndex(
        of: list, rnnWeight: 0, interpolation: .logLinear, lmWeight: 10, insertionPenalty: 0.5)
      #expect(best == 0)
      #expect(texts[count] == ([list.utteranceID] + list.hypotheses[0].words).joined(separator: " "))
      let lattice = try #require(rescored.first { $0.key == list.utteranceID })
      let path = try #require(try LatticeBestPath.find(in: lattice, lmWeight: 10, wordInsertionPenalty: 0.5))
      let first = list.hypotheses[0]
      let total = first.acousticCost / 10 + first.graphCost + first.ngramCost! + 0.5 * Double(first.words.count)
      #expect(abs(total - path.cost) < 1e-4)
      count += 1
    }
    #expect(count == 3)
  }

  /// `--write-lattices` writes the rescored lattices in the input format: the SLF directory holds
  /// the same lattices as the Kaldi archive (costs to the 6 written decimals).
  @Test func rescoredLatticesAreWrittenInEitherFormat() throws {
    let fixture = try Fixture(seed: 1446)
    var written: [[Lattice]] = []
    for (k, input) in [fixture.archive, fixture.slf].enumerated() {
      var configuration = fixture.configuration(out: fixture.base.root + "/out\(k)", lattices: input)
      configuration.rnnWeights = WeightGrid(values: [0.5])
      configuration.maxNgramOrder = 3
      configuration.writeLattices =
        k == 0 ? "ark,t:" + fixture.base.root + "/rescored.txt" : fixture.base.root + "/rescored"
      try LatticeRescoringPipeline.run(configuration)
      if k == 0 {
        written.append(try KaldiLatticeReader(rspecifier: fixture.base.root + "/rescored.txt").readAll())
      } else {
        let reader = try HTKLatticeDirectoryReader(directory: fixture.base.root + "/rescored", symbols: Self.symbols)
        var lattices: [Lattice] = []
        while let next = try reader.next() { lattices.append(next.lattice) }
        written.append(lattices)
      }
    }
    #expect(written[0].map(\.key) == Self.keys && written[1].map(\.key) == Self.keys)
    for (kaldi, slf) in zip(written[0], written[1]) {
      #expect(kaldi.stateCount > 0 && kaldi.arcs.count == slf.arcs.count && kaldi.stateCount == slf.stateCount)
      for (a, b) in zip(kaldi.arcs, slf.arcs) {
        #expect(a.word == b.word && a.target == b.target)
        #expect(abs(a.weight.graph - b.weight.graph) < 1e-4 && abs(a.weight.acoustic - b.weight.acoustic) < 1e-4)
      }
      let best = try LatticeBestPath.find(in: kaldi, lmWeight: 10)
      #expect(best?.words == (try LatticeBestPath.find(in: slf, lmWeight: 10))?.words)
    }
  }

  /// SLF outputs take their input files' names: keys (`UTTERANCE=`) with a `/`, as HTK lattices
  /// of `spk/utt` often have, and compressed inputs are written as plain `<name>.lat`.
  @Test func rescoredSLFLatticesTakeTheirInputFileNames() throws {
    let fixture = try Fixture(seed: 1450)
    let slf = fixture.base.root + "/slf-paths"
    try FileManager.default.createDirectory(atPath: slf, withIntermediateDirectories: true)
    for (i, original) in fixture.lattices.enumerated() {
      var lattice = original
      lattice.key = "spk\(i)/" + original.key
      let text = try HTKLatticeWriter.text(of: lattice, header: HTKLatticeHeader(), symbols: Self.symbols)
      #expect(text.contains("UTTERANCE=spk\(i)/\(original.key)\n"))
      let file = slf + "/\(original.key).lat"
      try text.write(toFile: file, atomically: false, encoding: .utf8)
      if i == 0 {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-n", file]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0 && FileManager.default.fileExists(atPath: file + ".gz"))
      }
    }
    var configuration = fixture.configuration(out: fixture.base.root + "/out", lattices: slf)
    configuration.reference = nil
    configuration.oracle = false
    configuration.rnnWeights = WeightGrid(values: [0.5])
    configuration.lmWeights = WeightGrid(values: [10])
    configuration.insertionPenalties = WeightGrid(values: [0])
    configuration.writeLattices = fixture.base.root + "/rescored"
    try LatticeRescoringPipeline.run(configuration)
    let names = try FileManager.default.contentsOfDirectory(atPath: fixture.base.root + "/rescored").sorted()
    #expect(names == Self.keys.map { $0 + ".lat" }.sorted())
    let reader = try HTKLatticeDirectoryReader(directory: fixture.base.root + "/rescored", symbols: Self.symbols)
    var keys: [String] = []
    while let next = try reader.next() { keys.append(next.lattice.key) }
    #expect(Set(keys) == Set(Self.keys.enumerated().map { "spk\($0)/\($1)" }))
  }

  /// `--merge-rnn-weight`: one rescoring per lattice; each RNN weight's selection is the best
  /// path of that rescoring re-weighted, which for the merge weight itself is the per-weight run's.
  @Test func oneRescoringServesEveryRNNWeight() throws {
    let fixture = try Fixture(seed: 1447)
    var shared = fixture.configuration(out: fixture.base.root + "/shared")
    shared.maxNgramOrder = 1
    shared.mergeRNNWeight = 0.5
    let result = try LatticeRescoringPipeline.run(shared)
    var perWeight = fixture.configuration(out: fixture.base.root + "/per")
    perWeight.maxNgramOrder = 1
    let separate = try LatticeRescoringPipeline.run(perWeight)
    #expect(result.statistics.rnnStates * 3 == separate.statistics.rnnStates)
    #expect(try Self.read(fixture.base.root + "/shared/best_weights").contains("--merge-rnn-weight=0.5\n"))
    let rescorer = LatticeRNNRescorerTests.rescorer(mode: .normalized, oovPenalty: 0)
    let oov = try OOVCost.resolve(unkPenalty: nil, oovTypes: nil, vocabulary: RNNScoringSupport.vocabulary())
    let exact = LatticeRNNRescorer(
      model: try ModelFile.read(path: fixture.base.model, optimizerState: false).model, mode: .normalized,
      oovCost: oov, tokens: rescorer.tokens)
    let (references, _) = try KaldiTextReader.read(path: fixture.base.reference)
    for (index, setting) in result.report.settings.enumerated() {
      var summary = WERSummary()
      for lattice in fixture.lattices {
        let oldLM = LatticeRNNRescorer.OldLMCosts(
          arcs: lattice.arcs.map(\.weight.graph), finals: lattice.finals.map { $0?.weight.graph ?? 0 })
        // Merged under w = 0.5, then every arc's costs re-weighted to this setting's w.
        let merged = try exact.rescore(
          lattice, maxNgramOrder: 1, oldLMCosts: oldLM, weights: shared.mergeWeights(rnnWeight: 0.5))
        var builder = LatticeBuilder(key: lattice.key, kind: lattice.kind)
        for state in 0..<merged.lattice.stateCount {
          builder.addState(Int32(state))
          for index in merged.lattice.arcIndices(from: state) {
            var arc = merged.lattice.arcs[index]
            let source = Int(merged.expansion.originalArcs[index])
            let g = lattice.arcs[source].weight.graph
            arc.weight.graph = setting.rnnWeight * merged.arcRNNCosts[index] + (1 - setting.rnnWeight) * g
            builder.addArc(from: Int32(state), arc)
          }
          if var final = merged.lattice.finals[state] {
            let g = lattice.finals[Int(merged.expansion.originalStates[state])]!.weight.graph
            final.weight.graph = setting.rnnWeight * merged.finalRNNCosts[state] + (1 - setting.rnnWeight) * g
            builder.setFinal(Int32(state), final)
          }
        }
        let path = try #require(
          try LatticeBestPath.find(
            in: builder.build(start: 0), lmWeight: setting.lmWeight, wordInsertionPenalty: setting.insertionPenalty))
        summary.add(
          WordAligner.counts(
            reference: references[lattice.key]!, hypothesis: path.words.map { Self.symbols.word(of: $0)! }))
      }
      #expect(summary.counts == result.report.summaries[index].counts, "setting \(setting.werName)")
      if setting.rnnWeight == 0.5 { #expect(summary.counts == separate.report.summaries[index].counts) }
    }
  }

  /// With every history merged (order 1) the merge setting matters: `best_weights` records it,
  /// and a run of the best setting alone with it selects the sweep's text.
  @Test func bestWeightsRecordTheMergeSettingAndReproduceTheText() throws {
    let fixture = try Fixture(seed: 1445)
    let out = fixture.base.root + "/out"
    var configuration = fixture.configuration(out: out)
    configuration.maxNgramOrder = 1
    configuration.lmWeights = WeightGrid(values: [1, 3, 10])
    let result = try LatticeRescoringPipeline.run(configuration)
    let lines = try Self.read(out + "/best_weights").split(separator: "\n").map(String.init)
    #expect(lines.contains("--merge-lmwt=3.0") && lines.contains("--merge-wip=0.0"), "\(lines)")
    var again = fixture.configuration(out: fixture.base.root + "/again")
    again.maxNgramOrder = 1
    again.reference = nil
    again.oracle = false
    let best = result.report.bestSetting
    again.rnnWeights = WeightGrid(values: [best.rnnWeight])
    again.lmWeights = WeightGrid(values: [best.lmWeight])
    again.insertionPenalties = WeightGrid(values: [best.insertionPenalty])
    again.mergeLMWeight = 3
    again.mergeInsertionPenalty = 0
    try LatticeRescoringPipeline.run(again)
    #expect(try Self.read(fixture.base.root + "/again/text") == Self.read(out + "/text"))
  }

  @Test func aFailedRunLeavesEarlierOutputsAndRefusesOutputsThatAreInputs() throws {
    let fixture = try Fixture(seed: 1444)
    let out = fixture.base.root + "/out"
    try LatticeRescoringPipeline.run(fixture.configuration(out: out))
    let before = try Self.read(out + "/text")
    try "u1 \n0\t1\t99999\t1,1,\n1\n\n".write(
      toFile: fixture.base.root + "/bad.txt", atomically: false, encoding: .utf8)
    #expect(throws: InputError.self) {
      try LatticeRescoringPipeline.run(fixture.configuration(out: out, lattices: fixture.base.root + "/bad.txt"))
    }
    #expect(try Self.read(out + "/text") == before)
    var clash = fixture.configuration(out: out)
    clash.writeLattices = fixture.archive
    clash.rnnWeights = WeightGrid(values: [0.5])
    #expect(throws: InputError.self) { try LatticeRescoringPipeline.run(clash) }
    #expect(try Self.read(out + "/text") == before)
  }

  @Test func rescorerOptionsAreChecked() throws {
    var configuration = LatticeRescoringConfiguration(
      lattices: ["l"], symbolTable: "w", model: "m", outputDirectory: "o")
    try configuration.validate()
    configuration.oldLM = "lm.arpa"
    configuration.maxArcs = 10
    configuration.composeBeam = 0
    try configuration.validate()
    configuration.maxArcs = 0
    #expect(throws: RescoringUsageError.self) { try configuration.validate() }
    configuration.maxArcs = nil
    configuration.composeBeam = -.infinity
    #expect(throws: RescoringUsageError.self) { try configuration.validate() }
    configuration.composeBeam = .nan
    #expect(throws: RescoringUsageError.self) { try configuration.validate() }
    configuration = LatticeRescoringConfiguration(lattices: ["l"], symbolTable: "w", model: "m", outputDirectory: "o")
    configuration.rnnWeights = WeightGrid(values: [0, 1])
    #expect(throws: RescoringUsageError.self) { try configuration.validate() }
    configuration.reference = "text"
    try configuration.validate()
    configuration.nbest = (3, "dir")
    #expect(throws: RescoringUsageError.self) { try configuration.validate() }
  }
}

/// `LatticeOracle` and `LatticeNBestPaths` against exhaustive path enumeration.
/// The rescorer options wired through the pipeline: `--old-lm`, pruning.
@Suite struct LatticeRescoringOptionsTests {
  /// The `--nbest` archive of a run at RNN weight 0 (the selection does not depend on the old
  /// LM then): per hypothesis id, its words, the graph cost without the old LM (`lmwt.nolm`) and
  /// the old LM cost (`lmwt.lmonly`, = `(1-w)*old` at w = 0).
  static func nbestCosts(_ configuration: LatticeRescoringConfiguration) throws -> [String: (
    words: [String], nolm: Double, old: Double
  )] {
    try LatticeRescoringPipeline.run(configuration)
    let directory = configuration.nbest!.directory
    func table(_ name: String) throws -> [String: [String]] {
      var rows: [String: [String]] = [:]
      for line in try LatticeRescoringPipelineTests.read(directory + "/" + name).split(separator: "\n") {
        let fields = line.split(separator: " ").map(String.init)
        rows[fields[0]] = Array(fields.dropFirst())
      }
      return rows
    }
    let words = try table("words_text")
    let nolm = try table("lmwt.nolm")
    let old = try table("lmwt.lmonly")
    return Dictionary(
      uniqueKeysWithValues: words.map { key, words in
        (key, (words, Double(nolm[key]![0])!, Double(old[key]![0])!))
      })
  }

  @Test func oldLMCostsComeFromTheARPAModel() throws {
    let fixture = try LatticeRescoringPipelineTests.Fixture(seed: 2026)
    let arpaPath = TestSupport.fixture("ptb250.4gram.arpa.gz")
    let arpa = try ARPAModel(path: arpaPath)
    func configuration(oldLM: String?, name: String) -> LatticeRescoringConfiguration {
      var configuration = fixture.configuration(out: fixture.base.root + "/" + name)
      configuration.rnnWeights = WeightGrid(values: [0])
      configuration.lmWeights = WeightGrid(values: [10])
      configuration.insertionPenalties = WeightGrid(values: [0])
      configuration.oracle = false
      configuration.oldLM = oldLM
      configuration.nbest = (4, fixture.base.root + "/" + name + "-nbest")
      return configuration
    }
    // Without --old-lm the whole graph cost is the old LM cost; with it, the ARPA cost of the
    // words (recomputed on the expansion to the model's order) and the rest stays in nolm.
    let whole = try Self.nbestCosts(configuration(oldLM: nil, name: "whole"))
    let recomputed = try Self.nbestCosts(configuration(oldLM: arpaPath, name: "arpa"))
    #expect(whole.count == recomputed.count && whole.count >= 3)
    for (key, row) in recomputed {
      let plain = try #require(whole[key])
      #expect(plain.words == row.words, "\(key)")
      #expect(abs(plain.nolm) < 1e-9, "\(key): without --old-lm nothing of g stays outside the old LM")
      #expect(abs(row.old - arpa.sentenceCost(row.words)) < 2e-5, "\(key): \(row.old)")
      #expect(abs(row.nolm + row.old - plain.old) < 2e-5, "\(key): the path's graph cost is split, not changed")
    }
  }

  @Test func pruningKeepsFewerArcsAndAnInfiniteBeamChangesNothing() throws {
    let fixture = try LatticeRescoringPipelineTests.Fixture(seed: 77)
    let unpruned = try LatticeRescoringPipeline.run(fixture.configuration(out: fixture.base.root + "/unpruned"))
    var infinite = fixture.configuration(out: fixture.base.root + "/infinite")
    infinite.composeBeam = .infinity
    let same = try LatticeRescoringPipeline.run(infinite)
    #expect(same.statistics.arcsOut == unpruned.statistics.arcsOut)
    #expect(
      try LatticeRescoringPipelineTests.read(fixture.base.root + "/infinite/text")
        == LatticeRescoringPipelineTests.read(fixture.base.root + "/unpruned/text"))
    #expect(same.report.werLines() == unpruned.report.werLines())
    var tight = fixture.configuration(out: fixture.base.root + "/tight")
    tight.composeBeam = 0
    tight.maxArcs = 3
    let pruned = try LatticeRescoringPipeline.run(tight)
    #expect(pruned.statistics.arcsOut < unpruned.statistics.arcsOut)
    #expect(pruned.statistics.lattices == 3 && pruned.statistics.emptyLattices == 0, "one path is always kept")
  }
}

@Suite struct LatticeSearchTests {
  static let symbols = LatticeRNNRescorerTests.symbols

  @Test func oracleEqualsTheClosestPathOfAllPaths() throws {
    var generator = SeededGenerator(seed: 1451)
    for _ in 0..<60 {
      let (lattice, _) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 8)
      let reference = (0..<generator.nextInt(below: 6)).map { _ in 1 + Int32(generator.nextInt(below: 6)) } + [-1]
      let referenceWords = reference.map { $0 < 0 ? "nowhere" : Self.symbols.word(of: $0)! }
      var best = Int.max
      for path in LatticeRNNRescorerTests.paths(of: lattice) {
        let words = path.arcs.map { lattice.arcs[$0].word }.filter { $0 != 0 }.map { Self.symbols.word(of: $0)! }
        best = min(best, WordAligner.counts(reference: referenceWords, hypothesis: words).errors)
      }
      let oracle = try #require(try LatticeOracle.find(in: lattice, reference: reference))
      #expect(oracle.errors == best)
      let words = oracle.words.map { Self.symbols.word(of: $0)! }
      #expect(WordAligner.counts(reference: referenceWords, hypothesis: words).errors == best)
    }
  }

  @Test func nbestPathsAreTheCheapestDistinctSequences() throws {
    var generator = SeededGenerator(seed: 1452)
    for _ in 0..<60 {
      let (lattice, _) = LatticeRNNRescorerTests.randomLattice(&generator, maxStates: 9)
      let lmWeight = 1 + generator.nextUniformDouble() * 10
      let wip = generator.nextUniformDouble() * 2 - 1
      var cheapest: [[Int32]: Double] = [:]
      for path in LatticeRNNRescorerTests.paths(of: lattice) {
        var cost = lattice.finals[path.final]!.weight.cost(lmWeight: lmWeight)
        var words: [Int32] = []
        for index in path.arcs {
          let arc = lattice.arcs[index]
          cost += arc.weight.cost(lmWeight: lmWeight) + (arc.word != 0 ? wip : 0)
          if arc.word != 0 { words.append(arc.word) }
        }
        cheapest[words] = min(cheapest[words] ?? .infinity, cost)
      }
      let expected = cheapest.values.sorted()
      let count = 1 + generator.nextInt(below: 6)
      let found = try LatticeNBestPaths.find(in: lattice, count: count, lmWeight: lmWeight, wordInsertionPenalty: wip)
      #expect(found.count == min(count, expected.count))
      #expect(Set(found.map(\.words)).count == found.count)
      for (k, path) in found.enumerated() {
        #expect(abs(path.cost - expected[k]) < 1e-9)
        #expect(abs((cheapest[path.words] ?? .nan) - path.cost) < 1e-9)
      }
    }
  }
}

/// The lattice oracle of ../shared/data/lattice-dev against its README's checker: 18.32%.
@Suite(.enabled(if: TestSupport.latticeDev != nil, "needs ../shared/data/lattice-dev"))
struct LatticeDevOracleTests {
  @Test func oracleWERIsTheCheckersValue() throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let (references, _) = try KaldiTextReader.read(path: directory + "/text")
    let reader = try KaldiLatticeReader(rspecifier: directory + "/lat.kaldi.txt.gz")
    var summary = WERSummary()
    while let lattice = try reader.next() {
      let reference = try #require(references[lattice.key])
      let oracle = try #require(
        try LatticeOracle.find(in: lattice, reference: reference.map { symbols.id(of: $0) ?? -1 }))
      let counts = WordAligner.counts(reference: reference, hypothesis: oracle.words.map { symbols.word(of: $0)! })
      #expect(counts.errors == oracle.errors)
      summary.add(counts)
    }
    #expect(summary.sentences == 150 && summary.counts.referenceWords == 2162)
    #expect(String(format: "%.2f", summary.wer) == "18.32", "\(summary.counts)")
  }

  /// With `ptbtok.map` the oracle runs on the token lattice the pipeline builds for
  /// `--word-map` (each word arc a chain of its tokens): the checker's PTB-tokenized 16.05%.
  @Test func wordMappedOracleWERIsTheCheckersValue() throws {
    let directory = TestSupport.latticeDev!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let map = try LatticeWordMap(path: directory + "/ptbtok.map")
    let tokens = map.tokenSymbols(of: symbols)
    #expect(tokens.table.id(of: "n't") != nil && tokens.tokensOfWord[symbols.id(of: "doesn't")!]?.count == 2)
    let (references, _) = try KaldiTextReader.read(path: directory + "/text")
    let reader = try KaldiLatticeReader(rspecifier: directory + "/lat.kaldi.txt.gz")
    var summary = WERSummary()
    while let lattice = try reader.next() {
      let reference = try #require(references[lattice.key])
      let tokenLattice = LatticeWordMap.tokenLattice(of: lattice, tokensOfWord: tokens.tokensOfWord)
      let oracle = try #require(
        try LatticeOracle.find(in: tokenLattice, reference: reference.map { tokens.table.id(of: $0) ?? -1 }))
      let counts = WordAligner.counts(reference: reference, hypothesis: oracle.words.map { tokens.table.word(of: $0)! })
      #expect(counts.errors == oracle.errors)
      summary.add(counts)
    }
    #expect(summary.sentences == 150 && summary.counts.referenceWords == 2162)
    #expect(String(format: "%.2f", summary.wer) == "16.05", "\(summary.counts)")
  }
}
