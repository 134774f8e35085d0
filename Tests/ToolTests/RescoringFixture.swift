import Foundation

/// A tiny model trained by `rnnlm-train` (once per test process) and a tiny Kaldi archive
/// directory with references, for the rescoring CLI tests.
enum RescoringFixture {
  static let sentences = [
    "the cat sat on the mat", "the dog sat on the mat", "a cat ran", "the dog ran on a mat", "a big dog sat",
  ]

  /// Directory holding `model.mdl` (1x8 LSTM, one epoch on `sentences`), or the error.
  static let modelDirectory: Result<String, Error> = Result {
    let directory = try ToolRunner.temporaryDirectory()
    let text = sentences.joined(separator: "\n") + "\n"
    try ToolRunner.write(["train.txt": text], in: directory)
    let result = try ToolRunner.run(
      "rnnlm-train",
      [
        "--train-text", directory + "/train.txt", "--valid-text", directory + "/train.txt", "--epochs", "1",
        "--emsize", "8", "--nhid", "8", "--nlayers", "1", "--batch-size", "2", "--save", directory + "/model.mdl",
      ])
    guard result.status == 0 else { throw FixtureError(message: "rnnlm-train failed: \(result.stderr)") }
    return directory
  }

  struct FixtureError: Error { var message: String }

  static func model() throws -> String { try modelDirectory.get() + "/model.mdl" }

  /// A fresh archive directory (`archives.1/`) of 3 utterances x 3 hypotheses, and `text`.
  static func archive() throws -> (root: String, archive: String, reference: String) {
    let root = try ToolRunner.temporaryDirectory()
    let hypotheses = [
      ("u1", ["the cat sat on the mat", "the cat sat on a mat", "a cat sat on the mat"]),
      ("u2", ["the dog ran", "the dog ran on", "the dog zebra"]),
      ("u3", ["a big dog sat", "a big cat sat", ""]),
    ]
    var words = ""
    var acwt = ""
    var nolm = ""
    var lmonly = ""
    for (u, list) in hypotheses {
      for (rank, text) in list.enumerated() {
        let key = "\(u)-\(rank + 1)"
        words += text.isEmpty ? "\(key)\n" : "\(key) \(text)\n"
        acwt += "\(key) \(100 + rank * 3)\n"
        nolm += "\(key) 0.5\n"
        lmonly += "\(key) \(20 + rank)\n"
      }
    }
    try ToolRunner.write(
      [
        "archives.1/words_text": words, "archives.1/acwt": acwt, "archives.1/lmwt.nolm": nolm,
        "archives.1/lmwt.lmonly": lmonly, "text": "u1 the cat sat on the mat\nu2 the dog ran\nu3 a big dog sat\n",
      ], in: root)
    return (root, root + "/archives.1", root + "/text")
  }
}
