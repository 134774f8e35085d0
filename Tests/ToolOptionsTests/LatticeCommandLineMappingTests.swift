import NBestRescoring
import NCEModel
import Testing
import ToolOptions

/// The options of rescore-lattice become the pipeline's configuration.
@Suite struct LatticeCommandLineMappingTests {
  @Test func latticeOptionsBecomeTheConfiguration() throws {
    let options = try LatticeRescoringCommandLine.parse([
      "--model", "m.mdl", "--symbol-table", "words.txt", "--lattices", "ark,t:lat.1.txt", "--lattices", "slf/",
      "--format", "kaldi", "--out", "exp", "--unnormalized", "--ref", "text", "--rnn-weights", "0:0.5:1",
      "--min-lmwt", "7", "--max-lmwt", "9", "--word-ins-penalty", "0,1", "--threads", "2", "--max-ngram-order", "3",
      "--oracle", "--oracle-text", "oracle.txt", "--unk-penalty", "4", "--merge-lmwt", "8.5", "--merge-wip", "0.5",
      "--merge-rnn-weight", "0.3",
    ])
    let configuration = try options.configuration()
    #expect(configuration.lattices == ["ark,t:lat.1.txt", "slf/"] && configuration.format == .kaldi)
    #expect(configuration.model == "m.mdl" && configuration.symbolTable == "words.txt")
    #expect(configuration.outputDirectory == "exp" && configuration.scoring == .unnormalized)
    #expect(configuration.rnnWeights.values == [0, 0.5, 1] && configuration.lmWeights.values == [7, 8, 9])
    #expect(configuration.insertionPenalties.values == [0, 1] && configuration.threads == 2)
    #expect(configuration.maxNgramOrder == 3 && configuration.oracle && configuration.oracleText == "oracle.txt")
    #expect(configuration.reference == "text" && configuration.unkPenalty == 4 && configuration.nbest == nil)
    #expect(configuration.mergeRNNWeight == 0.3)
    #expect(configuration.mergeWeights(rnnWeight: 0.5) == .init(lmWeight: 8.5, insertionPenalty: 0.5, rnnWeight: 0.5))
    let defaults = try LatticeRescoringCommandLine.parse([
      "--model", "m", "--symbol-table", "w", "--lattices", "l", "--out", "o", "--ref", "t", "--lm-weights", "7:10",
      "--wip", "0,1,2",
    ]).configuration()
    #expect(defaults.mergeWeights(rnnWeight: 1) == .init(lmWeight: 8, insertionPenalty: 1, rnnWeight: 1))
    let single = try LatticeRescoringCommandLine.parse([
      "--model", "m", "--symbol-table", "w", "--lattices", "l", "--out", "o", "--nbest", "5", "--nbest-out", "nb",
      "--write-lattices", "ark,t:r.txt",
    ]).configuration()
    #expect(single.nbest?.count == 5 && single.nbest?.directory == "nb" && single.writeLattices == "ark,t:r.txt")
  }

  @Test func latticeOptionsAreCheckedWhenParsed() {
    let base = ["--model", "m", "--symbol-table", "w", "--lattices", "l", "--out", "o"]
    #expect((try? LatticeRescoringCommandLine.parse(base)) != nil)
    for extra in [
      ["--rnn-weights", "0,1"], ["--oracle"], ["--nbest", "3"], ["--interpolation", "linear"],
      ["--merge-lmwt", "0"], ["--lattice-compose-beam", "-1"], ["--max-arcs", "0"], ["--max-ngram-order", "0"],
      ["--mode", "all"],
    ] {
      #expect(throws: (any Error).self, "\(extra)") { try LatticeRescoringCommandLine.parse(base + extra) }
    }
    #expect(throws: (any Error).self) { try LatticeRescoringCommandLine.parse(["--lattices", "l", "--out", "o"]) }
  }

  @Test func rescorerOptionsReachTheConfiguration() throws {
    let configuration = try LatticeRescoringCommandLine.parse([
      "--model", "m", "--symbol-table", "w", "--lattices", "l", "--out", "o", "--old-lm", "lm.arpa", "--word-map",
      "ptbtok.map", "--lattice-compose-beam", "8", "--max-arcs", "100",
    ]).configuration()
    #expect(configuration.oldLM == "lm.arpa" && configuration.wordMap == "ptbtok.map")
    #expect(configuration.composeBeam == 8 && configuration.maxArcs == 100)
  }
}
