import FileIO
import Foundation
import Testing

@testable import NBestRescoring

/// The real lattices of ../shared/data/lattice-dev (the nbest-dev utterances and decodes).
@Suite(
  .enabled(
    if: TestSupport.latticeDev != nil && TestSupport.nbestDev != nil, "needs ../shared/data/lattice-dev and nbest-dev"))
struct LatticeDevTests {
  static let latticeDev = TestSupport.latticeDev
  /// The decoder's scales (lattice-dev/README): acoustic scale 1/9.5, insertion cost in `g`.
  static let decoderLMWeight = 9.5

  static func kaldiLattices() throws -> [Lattice] {
    try KaldiLatticeReader(rspecifier: "ark:" + latticeDev! + "/lat.kaldi.txt.gz").readAll()
  }

  @Test func kaldiArchiveRoundTripsByteForByte() throws {
    let lattices = try Self.kaldiLattices()
    #expect(lattices.count == 150)
    var original = ""
    let reader = try LineReader(path: Self.latticeDev! + "/lat.kaldi.txt.gz")
    while let line = try reader.nextLine() { original += line + "\n" }
    let written = KaldiLatticeWriter.text(of: lattices)
    #expect(written.utf8.count == original.utf8.count)
    #expect(written == original)
  }

  /// The lattice 1-best under the decoder's scales is rank 1 of the 50-best list, with the same
  /// graph cost (lm_cost + insertion costs, lmwt.withlm), for every utterance.
  @Test func bestPathIsRankOneOfTheNBestList() throws {
    let symbols = try SymbolTable(path: Self.latticeDev! + "/words.txt")
    let nbest = Dictionary(
      uniqueKeysWithValues: try KaldiTextTable.read(TestSupport.nbestDev! + "/nbest/text").map { ($0.key, $0.words) })
    let withLM = Dictionary(
      uniqueKeysWithValues: try KaldiTextTable.read(TestSupport.nbestDev! + "/archives.1/lmwt.withlm").map {
        ($0.key, Double($0.words[0])!)
      })
    var sameWords = 0
    var sameGraphCost = 0
    for lattice in try Self.kaldiLattices() {
      #expect(LatticeTopology.isTopologicallySorted(lattice))
      #expect(LatticeTopology.connected(lattice).removedStates == 0)
      let best = try #require(try LatticeBestPath.find(in: lattice, lmWeight: Self.decoderLMWeight))
      let words = best.words.map { symbols.word(of: $0)! }
      if words == nbest[lattice.key + "-1"] { sameWords += 1 }
      if let expected = withLM[lattice.key + "-1"], abs(best.weight.graph - expected) <= 1e-3 { sameGraphCost += 1 }
    }
    #expect(sameWords == 150 && sameGraphCost == 150, "\(sameWords) same words, \(sameGraphCost) same graph cost")
  }

  /// Each SLF file is the same lattice as the Kaldi archive's (state i = node i, `!SENT_END`
  /// folded into finals) with costs equal to the written decimals, hence the same best path.
  @Test func slfFilesAreTheSameLatticesAsTheKaldiArchive() throws {
    let symbols = try SymbolTable(path: Self.latticeDev! + "/words.txt")
    var identical = 0
    var sameBest = 0
    let directory = try HTKLatticeDirectoryReader(directory: Self.latticeDev! + "/lat.slf", symbols: symbols)
    for kaldi in try Self.kaldiLattices() {
      // Both hold the utterances in key order.
      let (slf, header) = try #require(try directory.next())
      #expect(header.lmScale == 9.5 && slf.key == kaldi.key)
      var same = slf.stateCount == kaldi.stateCount && slf.start == kaldi.start && slf.arcOffsets == kaldi.arcOffsets
      for (a, b) in zip(slf.arcs, kaldi.arcs) where same {
        same =
          a.target == b.target && a.word == b.word && abs(a.weight.graph - b.weight.graph) <= 2e-6
          && abs(a.weight.acoustic - b.weight.acoustic) <= 2e-6
      }
      for (a, b) in zip(slf.finals, kaldi.finals) where same {
        same = (a == nil) == (b == nil) && (a == nil || abs(a!.weight.graph - b!.weight.graph) <= 2e-6)
      }
      if same { identical += 1 }
      let slfBest = try LatticeBestPath.find(in: slf, lmWeight: Self.decoderLMWeight)
      let kaldiBest = try LatticeBestPath.find(in: kaldi, lmWeight: Self.decoderLMWeight)
      if let slfBest, let kaldiBest, slfBest.words == kaldiBest.words, abs(slfBest.cost - kaldiBest.cost) <= 1e-3 {
        sameBest += 1
      }
    }
    #expect(identical == 150 && sameBest == 150, "\(identical) identical, \(sameBest) same best path")
  }
}

extension TestSupport {
  /// The shared real lattice set in `../shared` beside the repository, when it exists.
  static let latticeDev: String? = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../shared/data/lattice-dev").standardized.path
    return FileManager.default.fileExists(atPath: path + "/lat.kaldi.txt.gz") ? path : nil
  }()
}
