import FileIO

/// Everything one `compute-wer` run needs, checked for consistency before any file is read.
public struct ComputeWERRequest: Sendable {
  /// A command line that contradicts itself (the tools print it as a usage error, exit 64).
  public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  /// Reference and hypothesis Kaldi text tables (path, `-`, `ark:...`, `"cmd |"`).
  public var reference: String
  public var hypothesis: String
  public var mode: MissingHypothesisMode
  public var rule: AlignmentRule
  public var foldCase: Bool
  /// File of `from to` word pairs.
  public var mappingFile: String?
  /// A file of words, or a comma-separated list.
  public var ignoredWords: String?
  /// Where `per_utt`, `ops` and `per_spk` go; nil writes none.
  public var detailsDirectory: String?
  public var utteranceToSpeakerFile: String?
  /// The empty side of insertions and deletions in `per_utt` and `ops`.
  public var epsilon: String

  /// Builds a request from `compute-wer`'s option values as typed (`mode`, `align` and
  /// `sclite` as strings and flags), refusing contradictions with a `UsageError`.
  public init(
    reference: String, hypothesis: String, mode: String = "strict", align: String? = nil,
    sclite: Bool = false, foldCase: Bool = false, mappingFile: String? = nil, ignoredWords: String? = nil,
    detailsDirectory: String? = nil, utteranceToSpeakerFile: String? = nil, epsilon: String = "<eps>"
  ) throws {
    guard let mode = MissingHypothesisMode(rawValue: mode) else {
      throw UsageError(description: "--mode must be strict, present or all, got '\(mode)'")
    }
    if let align, AlignmentRule(rawValue: align) == nil {
      throw UsageError(description: "--align must be kaldi or sclite, got '\(align)'")
    }
    if sclite, let align, align != AlignmentRule.sclite.rawValue {
      throw UsageError(description: "--sclite contradicts --align=\(align)")
    }
    if detailsDirectory == nil && (utteranceToSpeakerFile != nil || epsilon != "<eps>") {
      throw UsageError(description: "--utt2spk and --special-symbol only apply with --details DIR")
    }
    if epsilon.isEmpty || WhitespaceTokenizer.tokens(of: epsilon) != [epsilon[...]] {
      throw UsageError(description: "--special-symbol must be one non-empty word")
    }
    let readsStandardInput = { (spec: String) in ((try? TableSpecifier(parsing: spec))?.path ?? spec) == "-" }
    if readsStandardInput(reference) && readsStandardInput(hypothesis) {
      throw UsageError(description: "only one of REF and HYP can be standard input")
    }
    self.reference = reference
    self.hypothesis = hypothesis
    self.mode = mode
    self.rule = sclite ? .sclite : align.flatMap(AlignmentRule.init(rawValue:)) ?? .kaldi
    self.foldCase = foldCase
    self.mappingFile = mappingFile
    self.ignoredWords = ignoredWords
    self.detailsDirectory = detailsDirectory
    self.utteranceToSpeakerFile = utteranceToSpeakerFile
    self.epsilon = epsilon
  }

  /// The files `--details DIR` writes.
  public var detailsFiles: [String] {
    guard let detailsDirectory else { return [] }
    return ["per_utt", "ops", "per_spk"].map { detailsDirectory + "/" + $0 }
  }
}
