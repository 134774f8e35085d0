/// Accumulates sentence scores into Kaldi `compute-wer`'s totals.
public struct WERSummary: Sendable {
  /// Summed counts of the scored sentences.
  public var counts = EditCounts()
  /// Scored sentences (missing hypotheses count here only in `all` mode, via `add`).
  public var sentences = 0
  /// Scored sentences with at least one error.
  public var sentenceErrors = 0
  /// Reference keys that had no hypothesis.
  public var missing = 0

  public init() {}

  /// Adds one scored sentence. A sentence is in error when it has any edit, which is
  /// Kaldi's `ref != hyp` on the (normalized) word sequences.
  public mutating func add(_ counts: EditCounts) {
    self.counts += counts
    sentences += 1
    if counts.errors > 0 { sentenceErrors += 1 }
  }

  /// Records a reference key missing from the hypotheses. In `all` mode also `add` the
  /// all-deletion counts of that sentence; in `present` mode do nothing else.
  public mutating func addMissing() { missing += 1 }

  /// Word error rate in percent (errors / reference words x 100); NaN or infinity when
  /// there are no reference words.
  public var wer: Double { 100.0 * Double(counts.errors) / Double(counts.referenceWords) }

  /// Sentence error rate in percent.
  public var ser: Double { 100.0 * Double(sentenceErrors) / Double(sentences) }

  /// Kaldi's three output lines, each ending in a newline:
  /// `%WER 7.03 [ 3823 / 54402, 608 ins, 343 del, 2872 sub ]` (+ ` [PARTIAL]` when any
  /// hypothesis was missing), `%SER 60.12 [ 1622 / 2698 ]`,
  /// `Scored 2698 sentences, 5 not present in hyp.`. Percentages are computed as Kaldi does
  /// (double quotient stored in a float, printed `%.2f`), so `0/0` prints `-nan` and `n/0`
  /// prints `inf`.
  public func kaldiReport() -> String {
    let werText = Self.kaldiPercent(counts.errors, counts.referenceWords)
    let serText = Self.kaldiPercent(sentenceErrors, sentences)
    var report = "%WER \(werText) [ \(counts.errors) / \(counts.referenceWords), "
    report += "\(counts.insertions) ins, \(counts.deletions) del, \(counts.substitutions) sub ]"
    if missing != 0 { report += " [PARTIAL]" }
    report += "\n%SER \(serText) [ \(sentenceErrors) / \(sentences) ]\n"
    report += "Scored \(sentences) sentences, \(missing) not present in hyp.\n"
    return report
  }

  /// `100 * numerator / denominator` as Kaldi's `BaseFloat`, printed with two decimals.
  static func kaldiPercent(_ numerator: Int, _ denominator: Int) -> String {
    if denominator == 0 { return numerator == 0 ? "-nan" : "inf" }
    let value = Float(100.0 * Double(numerator) / Double(denominator))
    return CFormat.format("%.2f", Double(value))
  }
}
