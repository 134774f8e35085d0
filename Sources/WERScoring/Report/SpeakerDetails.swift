/// Kaldi's `per_spk` file (`wer_per_spk_details.pl`): per speaker a `raw` line of counts and
/// a `sys` line of percentages of the reference words, then the `SUM` lines. Speakers are
/// sorted by byte order; a speaker (or the sum) with no reference words has no `sys` line.
public struct SpeakerDetails: Sendable {
  private struct Totals: Sendable {
    var correct = 0
    var substitutions = 0
    var insertions = 0
    var deletions = 0
    var sentences = 0
    var sentenceErrors = 0
  }
  private var totals: [String: Totals] = [:]
  /// Width of the speaker column: 15, or the longest speaker label if longer.
  public var speakerWidth = 15

  public init() {}

  /// Adds one utterance of `speaker` with the counts of its alignment.
  public mutating func add(speaker: String, alignment: [AlignedPair]) {
    var entry = totals[speaker] ?? Totals()
    var errors = 0
    for pair in alignment {
      switch pair.operation {
      case .correct: entry.correct += 1
      case .substitution:
        entry.substitutions += 1
        errors += 1
      case .insertion:
        entry.insertions += 1
        errors += 1
      case .deletion:
        entry.deletions += 1
        errors += 1
      }
    }
    entry.sentences += 1
    if errors > 0 { entry.sentenceErrors += 1 }
    totals[speaker] = entry
    speakerWidth = max(speakerWidth, speaker.unicodeScalars.count)
  }

  /// The file's text.
  public func text() -> String {
    let f = 10
    var text =
      CFormat.pad("SPEAKER", -speakerWidth) + " id  "
      + ["#SENT", "#WORD", "Corr", "Sub", "Ins", "Del", "Err", "S.Err"].map { CFormat.pad($0, f) }
      .joined(separator: " ")
      + "\n"
    var sum = Totals()
    let speakers = totals.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for speaker in speakers {
      let t = totals[speaker]!
      text += lines(speaker, t)
      sum.correct += t.correct
      sum.substitutions += t.substitutions
      sum.insertions += t.insertions
      sum.deletions += t.deletions
      sum.sentences += t.sentences
      sum.sentenceErrors += t.sentenceErrors
    }
    text += lines("SUM", sum)
    return text
  }

  private func lines(_ label: String, _ t: Totals) -> String {
    let words = t.correct + t.substitutions + t.deletions
    let errors = t.substitutions + t.deletions + t.insertions
    let raw = [
      t.sentences, words, t.correct, t.substitutions, t.insertions, t.deletions, errors,
      t.sentenceErrors,
    ]
    var text =
      CFormat.pad(label, -speakerWidth) + " raw "
      + raw.map { CFormat.format("%10ld", $0) }.joined(separator: " ") + "\n"
    if words != 0 {
      let w = Double(words)
      let percents = [t.correct, t.substitutions, t.insertions, t.deletions, errors].map {
        CFormat.format("%10.2f", 100.0 * Double($0) / w)
      }
      let ser = CFormat.format("%10.2f", 100.0 * Double(t.sentenceErrors) / Double(t.sentences))
      text +=
        CFormat.pad(label, -speakerWidth) + " sys " + CFormat.format("%10ld", t.sentences) + " "
        + CFormat.format("%10ld", words) + " " + percents.joined(separator: " ") + " " + ser + "\n"
    }
    return text
  }
}
