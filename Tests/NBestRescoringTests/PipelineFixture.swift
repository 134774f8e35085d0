import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel
import TestSupport

/// A tiny model file and Kaldi archive directories for driving `NBestRescoringPipeline`
/// directly: the model and lists of `RNNScoringSupport`, written to a fresh directory.
struct PipelineFixture {
  let root: String
  let model: String
  let archive: String
  let reference: String

  /// `root/model.mdl` (seeded; with `direct` features when given), `root/archives.1/` holding
  /// `lists`, and `root/text`.
  init(seed: UInt64 = 7, lists: [NBestList] = RNNScoringSupport.lists(), direct: DirectFeatureConfig? = nil) throws {
    root = try TestSupport.temporaryDirectory()
    model = root + "/model.mdl"
    try ModelFile(
      model: RNNScoringSupport.model(seed: seed, direct: direct), vocabulary: RNNScoringSupport.vocabulary()
    ).write(to: model)
    archive = root + "/archives.1"
    try Self.writeArchive(lists, to: archive)
    reference = root + "/text"
    try "u1 the cat sat on the mat\nu2 a big red hat\nu3 dog ran\n".write(
      toFile: reference, atomically: false, encoding: .utf8)
  }

  /// Writes `lists` as a Kaldi `rnnlmrescore.sh` archive directory.
  static func writeArchive(_ lists: [NBestList], to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var files = ["words_text": "", "acwt": "", "lmwt.nolm": "", "lmwt.lmonly": ""]
    for list in lists {
      for (index, hypothesis) in list.hypotheses.enumerated() {
        let key = list.key(of: index)
        files["words_text"]! += ([key] + hypothesis.words).joined(separator: " ") + "\n"
        files["acwt"]! += "\(key) \(hypothesis.acousticCost)\n"
        files["lmwt.nolm"]! += "\(key) \(hypothesis.graphCost)\n"
        files["lmwt.lmonly"]! += "\(key) \(hypothesis.ngramCost ?? 0)\n"
      }
    }
    for (name, content) in files {
      try content.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
    }
  }

  /// A configuration scoring `archive` with the model into `out`, swept against the reference.
  func configuration(out: String?) -> RescoringConfiguration {
    var configuration = RescoringConfiguration(nbestDirectories: [archive], rnnCosts: .model(model))
    configuration.outputDirectory = out
    configuration.reference = reference
    configuration.rnnWeights = WeightGrid(values: [0, 0.5, 1])
    configuration.lmWeights = WeightGrid(values: [1, 10])
    configuration.insertionPenalties = WeightGrid(values: [0, 1])
    return configuration
  }
}
