import Foundation
import FileIO

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

  /// The three files' texts for `utterances`, in order.
  public func texts(for utterances: [ScoredUtterance]) throws -> (
    perUtterance: String, ops: String, perSpeaker: String
  ) {
    var perUtterance = ""
    var ops = OperationCounts()
    var speakers = SpeakerDetails()
    if let utteranceToSpeaker {
      for speaker in Set(utteranceToSpeaker.values) {
        speakers.speakerWidth = max(speakers.speakerWidth, speaker.unicodeScalars.count)
      }
    }
    for utterance in utterances {
      let alignment = WordAligner.align(
        reference: utterance.reference, hypothesis: utterance.hypothesis, rule: rule)
      perUtterance += PerUtteranceDetails.lines(
        key: utterance.key, alignment: alignment, epsilon: epsilon)
      ops.add(alignment)
      let speaker: String
      if let utteranceToSpeaker {
        guard let known = utteranceToSpeaker[utterance.key] else {
          throw InputError("utterance '\(utterance.key)' is not in utt2spk", file: speakerFile)
        }
        speaker = known
      } else {
        speaker = Self.speakerPrefix(of: utterance.key)
      }
      speakers.add(speaker: speaker, alignment: alignment)
    }
    return (perUtterance, ops.text(epsilon: epsilon), speakers.text())
  }

  /// Writes `per_utt`, `ops` and `per_spk` into `directory` (created if needed), each
  /// atomically; nothing is created when an utterance has no speaker.
  public func write(_ utterances: [ScoredUtterance], to directory: String) throws {
    let texts = try texts(for: utterances)
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw InputError("cannot create directory: \(error.localizedDescription)", file: directory)
    }
    try AtomicFileWriter.write(text: texts.perUtterance, to: directory + "/per_utt")
    try AtomicFileWriter.write(text: texts.ops, to: directory + "/ops")
    try AtomicFileWriter.write(text: texts.perSpeaker, to: directory + "/per_spk")
  }
}
