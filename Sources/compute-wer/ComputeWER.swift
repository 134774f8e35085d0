import ArgumentParser
import ToolSupport
import WERScoring

/// `compute-wer`: Kaldi's word error rate tool, with per-utterance details and normalization.
@main struct ComputeWER: KaldiTool {
  static let configuration = CommandConfiguration(
    commandName: "compute-wer",
    abstract:
      "Computes the word error rate of hypotheses against references, as Kaldi's compute-wer.",
    discussion: """
      REF and HYP are Kaldi text tables (`utt-id w1 w2 ...`): a path, `-` (stdin), `ark:path`, \
      `ark,t:path`, `ark,p:-`, `"ark:command |"`, ... Reference keys are iterated in order. \
      Output (stdout):
        %WER 7.03 [ 3823 / 54402, 608 ins, 343 del, 2872 sub ]
        %SER 60.12 [ 1622 / 2698 ]
        Scored 2698 sentences, 5 not present in hyp.
      Example: compute-wer --mode=present ark:data/test/text ark,p:-
      """)

  @OptionGroup var shared: SharedOptions
  @Option(help: "Verbosity on stderr: 1 adds a line with what was scored.") var verbose = 0

  @Option(
    help:
      "strict: a missing hypothesis is an error; present: skip and count it; all: score it as empty."
  )
  var mode: String = "strict"

  @Flag(help: "Accepted for compatibility with Kaldi, where it is also a no-op: input is always text.")
  var text = false

  @Option(
    help:
      "Alignment costs and tie-breaking: kaldi (unit costs, Kaldi's rule) or sclite (NIST sclite: sub 4, ins 3, del 3)."
  )
  var align: String?

  @Flag(help: "Same as --align=sclite.")
  var sclite = false

  @Option(help: "Write per_utt, ops and per_spk (Kaldi's wer_details) into this directory.")
  var details: String?

  @Option(
    help:
      "utt2spk file for per_spk; default: speaker = utterance-id prefix before the first '-' or '_'."
  )
  var utt2spk: String?

  @Option(help: "Symbol for the empty side of insertions and deletions in per_utt and ops.")
  var specialSymbol: String = "<eps>"

  @Option(
    help:
      "Words removed from both sides before alignment: a file of words, or a comma-separated list.")
  var ignoreWords: String?

  @Flag(help: "Lowercase both sides (Unicode) before alignment.")
  var ignoreCase = false

  @Option(
    help:
      "File of 'from to' word pairs applied to both sides before alignment (after case folding).")
  var map: String?

  @Argument(help: "Reference text table.") var reference: String
  @Argument(help: "Hypothesis text table.") var hypothesis: String

  func validate() throws { _ = try request() }

  /// The library's request; its usage errors become argument-parser validation errors.
  func request() throws -> ComputeWERRequest {
    do {
      return try ComputeWERRequest(
        reference: reference, hypothesis: hypothesis, mode: mode, align: align, sclite: sclite,
        foldCase: ignoreCase, mappingFile: map, ignoredWords: ignoreWords, detailsDirectory: details,
        utteranceToSpeakerFile: utt2spk, epsilon: specialSymbol)
    } catch let error as ComputeWERRequest.UsageError {
      throw ValidationError(error.description)
    }
  }

  func run() throws {
    let request = try request()
    let result = try ComputeWERPipeline.run(request, progressTool: Self.toolName)
    if verbose > 0 {
      Log(tool: Self.toolName).info(
        "scored \(result.utteranceCount) utterances, \(result.summary.counts.referenceWords) reference words, rule \(request.rule.rawValue)"
      )
    }
    let out = StandardOutput()
    out.write(result.summary.kaldiReport())
    try out.flush()
  }
}
