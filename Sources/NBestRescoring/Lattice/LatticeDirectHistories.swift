import NCECore
import NCEModel

/// The LM token history of every RNN state in a `LatticeRNNRescorer` bank, for the model's
/// direct n-gram features (`DirectFeatures`): the last `order - 1` tokens, most recent first.
///
/// A bank row is the state after feeding one token to an earlier row (the first row: `<s>` fed
/// to the initial state), so its token history, and with it its direct features, is a function
/// of the row. A merged lattice history therefore gets the features of the path whose RNN state
/// it keeps, and every arc's cost is the one rescore-nbest gives that path (docs/lattices.md).
struct LatticeDirectHistories {
  /// Tokens kept per row: `order - 1`, the longest history a feature reads.
  let width: Int
  /// `width` tokens per bank row, most recent first. A history shorter than `width` is padded
  /// with `<s>`: it always ends with the `<s>` of the first row, after which `DirectRows` reads
  /// no further, so the padding is never read as a word.
  private var tokens: [Int32] = []

  init(features: DirectFeatures) {
    width = features.order - 1
  }

  /// Appends the row after feeding `input` to row `source` (`source < 0`: the initial state,
  /// whose history is empty).
  mutating func append(input: Int32, after source: Int32) {
    guard width > 0 else { return }
    tokens.append(input)
    if source < 0 {
      tokens.append(contentsOf: repeatElement(Vocabulary.bosID, count: width - 1))
    } else {
      let start = Int(source) * width
      for j in start..<(start + width - 1) { tokens.append(tokens[j]) }
    }
  }

  /// Appends one `DirectRows` row per bank row of `bankRows`, in order (`DirectRows.append`,
  /// the rule training and the N-best prefix trees use).
  func appendDirectRows(of bankRows: [Int32], to rows: inout DirectRows) {
    guard width > 0 else {
      for _ in bankRows { rows.append(historyCount: 0) { _ in Vocabulary.bosID } }
      return
    }
    let width = width
    tokens.withUnsafeBufferPointer { tokens in
      for row in bankRows {
        let history = tokens.baseAddress! + Int(row) * width
        rows.append(historyCount: width) { history[$0 - 1] }
      }
    }
  }
}
