import ArgumentParser
import Foundation
import FileIO
import NCECore
import NCEModel
import ToolSupport

/// `rnnlm-score`: one RNN LM cost per sentence, batched through `SentenceScorer`.
@main
struct RNNLMScore: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "rnnlm-score",
    abstract: "Print the RNN LM cost (-ln P(w1..wn </s> | <s>)) of every line of a text.",
    discussion: """
      One line per input line on stdout, in input order: the cost with 6 decimals, or \
      'utt-id cost' with --utt-ids (the first field of each line is then a key, as in a Kaldi \
      text). Words outside the vocabulary are scored as <unk> without an OOV cost. \
      --unnormalized prints -Σ (s(w,h) - lnZ), lnZ from the model file: no softmax is computed.
      Example: rnnlm-score --model exp/nce.mdl --text data/dev/text --utt-ids --unnormalized
      """)

  @OptionGroup var shared: SharedOptions
  @Option(help: "Model file written by rnnlm-train.") var model: String
  @Option(help: "Text to score: one sentence per line; plain, .zst or '-' (stdin).") var text: String
  @Option(defaultAsFlag: true, help: "NCE scores s(w,h) - lnZ instead of the exact log-softmax.")
  var unnormalized: Bool?
  @Option(defaultAsFlag: true, help: "The first field of each line is an utterance id, printed before the cost.")
  var uttIds: Bool?
  @Option(help: "Cores for scoring.") var threads = 1

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let log = Log(tool: Self.toolName)
    try StandardOutput.refuseInputs([(model, "--model"), (text, "--text")])
    let file = try ModelFile.read(path: model, optimizerState: false)
    try file.model.checkSupports(unnormalized == true ? .unnormalized : .normalized)
    let vocabulary = file.vocabulary
    let mode: ScoringMode = unnormalized == true ? .unnormalized : .normalized
    let start = Date()
    let scorer = SentenceScorer(model: file.model, mode: mode, threads: threads)
    let out = StandardOutput()
    let reader = try LineReader(path: text)
    var keys: [String] = []  // of the piece being scored
    var totals = (sentences: 0, words: 0, oovs: 0)
    try scorer.scoreInPieces(
      next: {
        guard let line = try reader.nextLine() else { return nil }
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if uttIds == true {
          guard let key = fields.first else {
            throw InputError("empty line: expected 'utt-id words...' (--utt-ids)", file: text, line: reader.lineNumber)
          }
          keys.append(String(key))
          fields.removeFirst()
        }
        totals.sentences += 1
        totals.words += fields.count
        return fields.map { word in
          let id = vocabulary.id(of: word)
          if id == Vocabulary.unkID && word != Vocabulary.unkWord { totals.oovs += 1 }
          return id
        }
      },
      body: { costs in
        for (index, cost) in costs.enumerated() {
          out.write((uttIds == true ? keys[index] + " " : "") + String(format: "%.6f", cost) + "\n")
        }
        keys.removeAll(keepingCapacity: true)
      })
    try out.flush()
    log.info(
      "scored \(totals.sentences) sentences, \(totals.words) words (\(totals.oovs) OOV scored as <unk>), \(mode.rawValue), in \(String(format: "%.2f", Date().timeIntervalSince(start))) s"
    )
  }
}
