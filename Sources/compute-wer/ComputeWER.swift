import ArgumentParser
import FileIO
import Foundation
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

  func validate() throws {
    guard MissingHypothesisMode(rawValue: mode) != nil else {
      throw ValidationError("--mode must be strict, present or all, got '\(mode)'")
    }
    if let align, AlignmentRule(rawValue: align) == nil {
      throw ValidationError("--align must be kaldi or sclite, got '\(align)'")
    }
    if sclite == true, let align, align != AlignmentRule.sclite.rawValue {
      throw ValidationError("--sclite contradicts --align=\(align)")
    }
    if details == nil && (utt2spk != nil || specialSymbol != "<eps>") {
      throw ValidationError("--utt2spk and --special-symbol only apply with --details DIR")
    }
    if specialSymbol.isEmpty || WhitespaceTokenizer.tokens(of: specialSymbol) != [specialSymbol[...]] {
      throw ValidationError("--special-symbol must be one non-empty word")
    }
    let readsStdin = { (spec: String) in ((try? TableSpecifier(parsing: spec))?.path ?? spec) == "-"
    }
    if readsStdin(reference) && readsStdin(hypothesis) {
      throw ValidationError("only one of REF and HYP can be standard input")
    }
  }

  var rule: AlignmentRule {
    if sclite == true { return .sclite }
    return align.flatMap(AlignmentRule.init(rawValue:)) ?? .kaldi
  }

  func run() throws {
    let normalizer = TextNormalizer(
      foldCase: ignoreCase,
      mapping: try map.map { try TextNormalizer.readMapping(path: $0) } ?? [:],
      ignoredWords: try ignoreWords.map {
        try TextNormalizer.readIgnoredWords(
          $0, fileExists: { FileManager.default.fileExists(atPath: $0) })
      } ?? [])
    let utteranceToSpeaker = try utt2spk.map { try DetailsWriter.readUtteranceToSpeaker(path: $0) }
    let references = try KaldiTextTable.read(reference)
    let hypotheses = try KaldiTextTable.read(hypothesis)
    let scorer = CorpusScorer(
      rule: rule, mode: MissingHypothesisMode(rawValue: mode) ?? .strict, normalizer: normalizer)
    let hypothesisPath = (try? TableSpecifier(parsing: hypothesis))?.path ?? hypothesis
    let result = try scorer.score(
      references: references, hypotheses: hypotheses, hypothesisSource: hypothesisPath)
    if let details {
      let writer = DetailsWriter(
        rule: rule, epsilon: specialSymbol, utteranceToSpeaker: utteranceToSpeaker,
        speakerFile: utt2spk ?? "utt2spk")
      try writer.write(result.utterances, to: details)
    }
    if verbose > 0 {
      Log(tool: Self.toolName).info(
        "scored \(result.utterances.count) utterances, \(result.summary.counts.referenceWords) reference words, rule \(rule.rawValue)"
      )
    }
    let out = StandardOutput()
    out.write(result.summary.kaldiReport())
    try out.flush()
  }
}
