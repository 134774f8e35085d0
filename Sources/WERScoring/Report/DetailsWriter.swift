import FileIO
import Foundation

/// Writes the `--details DIR` files of `compute-wer`, as Kaldi's `score_kaldi.sh` does under
/// `wer_details/`: `per_utt` (alignments), `ops` (operation counts) and `per_spk`
/// (per-speaker totals). All three come from the alignment paths of `rule`, as Kaldi's come
/// from `align-text`.
public struct DetailsWriter: Sendable {
  public var rule: AlignmentRule
  public var epsilon: String
  /// Utterance id -> speaker (`utt2spk`); nil derives the speaker from the id.
  public var utteranceToSpeaker: [String: String]?
  /// Where `utteranceToSpeaker` came from, for the error about an utterance it lacks.
  public var speakerFile: String

  public init(
    rule: AlignmentRule, epsilon: String = "<eps>", utteranceToSpeaker: [String: String]? = nil,
    speakerFile: String = "utt2spk"
  ) {
    self.rule = rule
    self.epsilon = epsilon
    self.utteranceToSpeaker = utteranceToSpeaker
    self.speakerFile = speakerFile
  }

  /// The speaker of an utterance id without utt2spk: the prefix before the first `-` or `_`
  /// (the whole id when it has neither).
  public static func speakerPrefix(of utterance: String) -> String {
    if let end = utterance.firstIndex(where: { $0 == "-" || $0 == "_" }) {
      return String(utterance[..<end])
    }
    return utterance
  }

  /// Reads a Kaldi `utt2spk` table (`utt spk` per line; a path or rspecifier, read by
  /// `KaldiTableReader`).
  public static func readUtteranceToSpeaker(path: String) throws -> [String: String] {
    let reader = try KaldiTableReader(rspecifier: path)
    var map: [String: String] = [:]
    while let (utterance, fields) = try reader.next() {
      guard fields.count == 1 else {
        throw reader.error("expected 'utterance speaker' (2 fields), got \(fields.count + 1)")
      }
      guard map.updateValue(String(fields[0]), forKey: String(utterance)) == nil else {
        throw reader.error("duplicate utterance '\(utterance)'")
      }
    }
    return map
  }

  /// The speaker of an utterance: from `utteranceToSpeaker`, else its id's prefix.
  public func speaker(of utterance: String) throws -> String {
    guard let utteranceToSpeaker else { return Self.speakerPrefix(of: utterance) }
    guard let known = utteranceToSpeaker[utterance] else {
      throw InputError("utterance '\(utterance)' is not in utt2spk", file: speakerFile)
    }
    return known
  }

  /// The three files' texts for `utterances`, in order.
  public func texts(for utterances: [ScoredUtterance]) throws -> (
    perUtterance: String, ops: String, perSpeaker: String
  ) {
    var perUtterance = ""
    let speakers = try utterances.map { try speaker(of: $0.key) }
    let (ops, perSpeaker) = render(utterances, speakers: speakers, progress: nil) { perUtterance += $0 }
    return (perUtterance, ops, perSpeaker)
  }

  /// Writes `per_utt`, `ops` and `per_spk` into `directory` (created if needed), published
  /// together through `StagedOutputs` once all three are complete: a failure leaves the
  /// previous files byte-identical, and nothing is created when an utterance has no speaker.
  /// `per_utt` is streamed, so memory does not grow with it.
  /// `progress` counts the aligned utterances.
  public func write(_ utterances: [ScoredUtterance], to directory: String, progress: ProgressMeter? = nil) throws {
    let speakers = try utterances.map { try speaker(of: $0.key) }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw InputError("cannot create directory: \(error.localizedDescription)", file: directory)
    }
    let outputs = StagedOutputs()
    let perUtterance = try outputs.stream(for: directory + "/per_utt")
    let (ops, perSpeaker) = try render(utterances, speakers: speakers, progress: progress) {
      try perUtterance.write($0)
    }
    try perUtterance.close(sync: false)
    try outputs.write(text: ops, to: directory + "/ops")
    try outputs.write(text: perSpeaker, to: directory + "/per_spk")
    try outputs.publish()
  }

  /// Aligns every utterance once (one reused `AlignmentWorkspace`), hands each utterance's
  /// `per_utt` lines to `perUtterance` and returns the `ops` and `per_spk` texts.
  private func render(
    _ utterances: [ScoredUtterance], speakers: [String], progress: ProgressMeter?,
    perUtterance: (String) throws -> Void
  ) rethrows -> (ops: String, perSpeaker: String) {
    var ops = OperationCounts()
    var speakerDetails = SpeakerDetails()
    if let utteranceToSpeaker {
      for speaker in Set(utteranceToSpeaker.values) {
        speakerDetails.speakerWidth = max(speakerDetails.speakerWidth, speaker.unicodeScalars.count)
      }
    }
    let workspace = AlignmentWorkspace()
    for (utterance, speaker) in zip(utterances, speakers) {
      let alignment = WordAligner.align(
        reference: utterance.reference, hypothesis: utterance.hypothesis, rule: rule,
        workspace: workspace, knownCounts: utterance.counts)
      try perUtterance(PerUtteranceDetails.lines(key: utterance.key, alignment: alignment, epsilon: epsilon))
      ops.add(alignment)
      speakerDetails.add(speaker: speaker, alignment: alignment)
      progress?.advance()
    }
    progress?.finish()
    return (ops.text(epsilon: epsilon), speakerDetails.text())
  }
}
