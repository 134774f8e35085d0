/// Kaldi's `ops` file: how often each (reference word, hypothesis word) pair was correct,
/// substituted, inserted or deleted, as `wer_ops_details.pl | sort -b -i -k 1,1 -k 4,4rn
/// -k 2,2 -k 3,3` prints it in `score_kaldi.sh` (with `LC_ALL=C` from `path.sh`): grouped by
/// operation (correct, deletion, insertion, substitution), most frequent first, then by
/// reference and hypothesis word, then by the whole line.
public struct OperationCounts: Sendable {
  private struct Pair: Hashable, Sendable {
    var reference: String?
    var hypothesis: String?
  }
  private var counts: [Pair: Int] = [:]

  public init() {}

  /// Counts every column of `alignment`.
  public mutating func add(_ alignment: [AlignedPair]) {
    for pair in alignment {
      counts[Pair(reference: pair.reference, hypothesis: pair.hypothesis), default: 0] += 1
    }
  }

  /// The file's text. Word columns are right-aligned to the longest word (at most 16
  /// characters, as Kaldi caps them), counts to the widest count.
  public func text(epsilon: String = "<eps>") -> String {
    struct Row {
      var operation: String
      var reference: String
      var hypothesis: String
      var count: Int
    }
    var rows: [Row] = []
    var wordWidth = 0
    var countWidth = 0
    for (pair, count) in counts {
      let aligned = AlignedPair(reference: pair.reference, hypothesis: pair.hypothesis)
      let name: String
      switch aligned.operation {
      case .correct: name = "correct"
      case .deletion: name = "deletion"
      case .insertion: name = "insertion"
      case .substitution: name = "substitution"
      }
      let row = Row(
        operation: name, reference: pair.reference ?? epsilon,
        hypothesis: pair.hypothesis ?? epsilon, count: count)
      wordWidth = max(
        wordWidth, row.reference.unicodeScalars.count, row.hypothesis.unicodeScalars.count)
      countWidth = max(countWidth, String(count).count)
      rows.append(row)
    }
    wordWidth = min(wordWidth, 16)
    let lines = rows.map { row in
      let line =
        CFormat.pad(row.operation, -14) + CFormat.pad(row.reference, wordWidth) + "    "
        + CFormat.pad(row.hypothesis, wordWidth) + "    "
        + CFormat.pad(String(row.count), countWidth) + "\n"
      return (
        row: row, line: line, reference: Self.printableBytes(row.reference),
        hypothesis: Self.printableBytes(row.hypothesis)
      )
    }
    let sorted = lines.sorted { a, b in
      if a.row.operation != b.row.operation { return a.row.operation < b.row.operation }
      if a.row.count != b.row.count { return a.row.count > b.row.count }
      if a.reference != b.reference { return a.reference.lexicographicallyPrecedes(b.reference) }
      if a.hypothesis != b.hypothesis { return a.hypothesis.lexicographicallyPrecedes(b.hypothesis) }
      return a.line.utf8.lexicographicallyPrecedes(b.line.utf8)
    }
    return sorted.map(\.line).joined()
  }

  /// A word as `sort -i` compares it in the C locale: bytes outside ASCII 0x20-0x7E are
  /// ignored, so UTF-8 letters do not take part (ties then fall to the whole line).
  static func printableBytes(_ word: String) -> [UInt8] {
    word.utf8.filter { $0 >= 0x20 && $0 <= 0x7E }
  }
}
