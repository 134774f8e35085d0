import Foundation
import Testing

@testable import NBestRescoring

@Suite struct RescoringOutputsTests {
  @Test func writesKaldiLayoutFiles() throws {
    let list = NBestList(
      utteranceID: "spk-1",
      hypotheses: [
        NBestHypothesis(rank: 1, words: ["a"], acousticCost: 10, graphCost: 1, ngramCost: 4, rnnCost: 2),
        NBestHypothesis(rank: 2, words: [], acousticCost: 12, graphCost: 0.5, ngramCost: 3, rnnCost: 6),
      ])
    var outputs = RescoringOutputs(rnnWeights: WeightGrid(values: [0.5, 1]), interpolation: .logLinear)
    try outputs.addCosts(of: list)
    outputs.addBest(utteranceID: "spk-1", words: ["a"])
    outputs.addBest(utteranceID: "spk-2", words: [])
    let directory = try TestSupport.temporaryDirectory()
    try outputs.write(archiveDirectory: directory, textPath: directory + "/text")
    func read(_ name: String) throws -> String { try String(contentsOfFile: directory + "/" + name, encoding: .utf8) }
    #expect(try read("lmwt.rnn") == "spk-1-1 2.000000\nspk-1-2 6.000000\n")
    #expect(try read("lmwt.interp.0.5") == "spk-1-1 4.000000\nspk-1-2 5.000000\n")
    #expect(try read("lmwt.interp.1") == "spk-1-1 3.000000\nspk-1-2 6.500000\n")
    #expect(try read("text") == "spk-1 a\nspk-2\n")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp.") }
    #expect(leftovers.isEmpty)
  }
}
