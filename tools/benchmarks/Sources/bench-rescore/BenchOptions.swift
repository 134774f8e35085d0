import FileIO
import Foundation
import NCECore
import NCEModel

/// Command-line options of bench-rescore (`--name value` pairs).
struct BenchOptions {
  var modelPath: String?
  var nbestDirectory: String
  var ptbDirectory: String
  var chunkHypotheses = 2048
  /// Timed runs per row; the fastest counts (the least disturbed on a shared machine).
  var repeats = 5

  init(arguments: [String]) throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../..").standardized.path
    let shared = "\(root)/../shared/data"
    nbestDirectory = shared + "/nbest-dev/archives.1"
    ptbDirectory = shared + "/ptb"
    var index = 0
    while index < arguments.count {
      guard index + 1 < arguments.count else { throw InputError("option \(arguments[index]) needs a value") }
      let value = arguments[index + 1]
      switch arguments[index] {
      case "--model": modelPath = value
      case "--nbest-dir": nbestDirectory = value
      case "--ptb": ptbDirectory = value
      case "--chunk":
        guard let chunk = Int(value), chunk > 0 else { throw InputError("--chunk needs a positive integer") }
        chunkHypotheses = chunk
      case "--repeat":
        guard let count = Int(value), count > 0 else { throw InputError("--repeat needs a positive integer") }
        repeats = count
      default:
        throw InputError(
          "unknown option \(arguments[index]); usage: bench-rescore [--model M] [--nbest-dir DIR] [--ptb DIR] [--chunk HYPOTHESES] [--repeat N]"
        )
      }
      index += 2
    }
  }

  /// The given model, or a random PTB-sized one (2x200 LSTM, V from PTB's training text).
  func loadModel() throws -> (RNNLanguageModel, Vocabulary, String) {
    if let modelPath {
      let file = try ModelFile.read(path: modelPath)
      return (file.model, file.vocabulary, "model \((modelPath as NSString).lastPathComponent)")
    }
    let vocabulary = try Vocabulary.build(trainingText: ptbDirectory + "/train.txt", minFreq: 1)
    var config = ModelConfig(vocabularySize: vocabulary.count)
    config.dropout = 0
    var rng = SeededGenerator(seed: 1)
    return (RNNLanguageModel(config: config, using: &rng), vocabulary, "random 2x200 LSTM")
  }
}
