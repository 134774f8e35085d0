/// Kaldi's `per_utt` lines (`align-text | wer_per_utt_details.pl`) for one utterance:
/// ```
/// UTT-A ref  word-A   <eps>  word-B  word-C
/// UTT-A hyp  word-A  word-A  word-B   <eps>
/// UTT-A op      C       I       C       D
/// UTT-A #csid 2 0 1 1
/// ```
/// Each column is as wide as its longest entry (in Unicode scalars) and the entries are
/// centred with the extra space on the left; columns are joined by two spaces.
public enum PerUtteranceDetails {
  public static func lines(key: String, alignment: [AlignedPair], epsilon: String = "<eps>")
    -> String
  {
    var refColumns: [String] = []
    var hypColumns: [String] = []
    var opColumns: [String] = []
    var correct = 0
    var substitutions = 0
    var insertions = 0
    var deletions = 0
    for pair in alignment {
      let ref = pair.reference ?? epsilon
      let hyp = pair.hypothesis ?? epsilon
      let operation = pair.operation
      switch operation {
      case .correct: correct += 1
      case .substitution: substitutions += 1
      case .insertion: insertions += 1
      case .deletion: deletions += 1
      }
      let op = operation.rawValue
      let width = max(ref.unicodeScalars.count, hyp.unicodeScalars.count, 1)
      refColumns.append(centre(ref, width))
      hypColumns.append(centre(hyp, width))
      opColumns.append(centre(op, width))
    }
    return "\(key) ref  \(refColumns.joined(separator: "  "))\n"
      + "\(key) hyp  \(hypColumns.joined(separator: "  "))\n"
      + "\(key) op   \(opColumns.joined(separator: "  "))\n"
      + "\(key) #csid \(correct) \(substitutions) \(insertions) \(deletions)\n"
  }

  /// Perl's `cjustify`: half the padding (rounded down) on the right, the rest on the left.
  static func centre(_ text: String, _ width: Int) -> String {
    let padding = width - text.unicodeScalars.count
    let right = padding / 2
    return String(repeating: " ", count: padding - right) + text
      + String(repeating: " ", count: right)
  }
}
