import FileIO
import Foundation
import Testing

@testable import NBestRescoring

@Suite struct RescoringTableWriterTests {
  static let list = NBestList(
    utteranceID: "spk-1",
    hypotheses: [
      NBestHypothesis(rank: 1, words: ["a"], acousticCost: 10, graphCost: 1, ngramCost: 4, rnnCost: 2),
      NBestHypothesis(rank: 2, words: [], acousticCost: 12, graphCost: 0.5, ngramCost: 3, rnnCost: 6),
    ])

  @Test func writesKaldiLayoutFilesOnlyOnPublish() throws {
    let directory = try TestSupport.temporaryDirectory()
    let outputs = StagedOutputs()
    let writer = try RescoringTableWriter(
      directory: directory, rnnWeights: WeightGrid(values: [0.5, 1]), interpolation: .logLinear, outputs: outputs)
    try writer.addCosts(of: Self.list)
    try writer.close()
    func visible() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
    }
    #expect(try visible().isEmpty)
    try outputs.publish()
    func read(_ name: String) throws -> String { try String(contentsOfFile: directory + "/" + name, encoding: .utf8) }
    #expect(try read("lmwt.rnn") == "spk-1-1 2.000000\nspk-1-2 6.000000\n")
    #expect(try read("lmwt.interp.0.5") == "spk-1-1 4.000000\nspk-1-2 5.000000\n")
    #expect(try read("lmwt.interp.1") == "spk-1-1 3.000000\nspk-1-2 6.500000\n")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(names == ["lmwt.interp.0.5", "lmwt.interp.1", "lmwt.rnn"])
  }

  @Test func withoutRNNCostsOrListsThereIsNoRNNTable() throws {
    let directory = try TestSupport.temporaryDirectory()
    var list = Self.list
    list.hypotheses[1].rnnCost = nil
    let outputs = StagedOutputs()
    let writer = try RescoringTableWriter(
      directory: directory, rnnWeights: WeightGrid(values: [0]), interpolation: .logLinear, outputs: outputs)
    try writer.addCosts(of: list)
    try writer.close()
    try outputs.publish()
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["lmwt.interp.0"])
    let empty = try TestSupport.temporaryDirectory()
    let emptyOutputs = StagedOutputs()
    try RescoringTableWriter(
      directory: empty, rnnWeights: WeightGrid(values: [0]), interpolation: .logLinear, outputs: emptyOutputs
    ).close()
    try emptyOutputs.publish()
    #expect(try FileManager.default.contentsOfDirectory(atPath: empty) == ["lmwt.interp.0"])
    #expect(FileManager.default.contents(atPath: empty + "/lmwt.interp.0") == Data())
  }

  @Test func droppedWriterLeavesNothing() throws {
    let directory = try TestSupport.temporaryDirectory()
    do {
      let writer = try RescoringTableWriter(
        directory: directory, rnnWeights: WeightGrid(values: [0.5]), interpolation: .logLinear,
        outputs: StagedOutputs())
      try writer.addCosts(of: Self.list)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }
}
