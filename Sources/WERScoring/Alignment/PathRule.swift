/// The costs and the backtrace decision of an alignment path (`AlignmentRule`'s `align`).
///
/// Both rules take the diagonal (match or substitution) when it is not worse than deletion
/// and insertion; they differ on deletion against insertion: Kaldi's `align-text` deletes on
/// a tie, sclite inserts. The decision at a cell depends only on the costs of its three
/// predecessors, so it is the same whether those costs come from a full table or from rows
/// recomputed later (`AlignmentWorkspace`).
struct PathRule: Sendable {
  let substitution: Int32
  let insertion: Int32
  let deletion: Int32
  let deletionWinsTies: Bool

  init(_ rule: AlignmentRule) {
    switch rule {
    case .kaldi: (substitution, insertion, deletion, deletionWinsTies) = (1, 1, 1, true)
    case .sclite: (substitution, insertion, deletion, deletionWinsTies) = (4, 3, 3, false)
    }
  }

  /// A cost no reachable cell has; sums of a few of them do not overflow.
  static let unreachable = Int32.max / 4

  /// The smallest of the three candidate costs, the cell's cost.
  @inline(__always)
  static func minimum(_ diagonal: Int32, _ deletion: Int32, _ insertion: Int32) -> Int32 {
    min(diagonal, min(deletion, insertion))
  }

  /// The step the backtrace takes from a cell whose candidate costs are given.
  @inline(__always)
  func step(diagonal: Int32, deletion: Int32, insertion: Int32) -> EditOperation {
    if diagonal <= deletion && diagonal <= insertion { return .correct }
    if deletionWinsTies ? deletion <= insertion : deletion < insertion { return .deletion }
    return .insertion
  }

  /// How much more than the path's total cost a cell next to the path can cost: the bound
  /// the band of `AlignmentWorkspace` must cover so that every decision on the path reads
  /// exact costs (neighbours differ from a path cell by at most one insertion plus one
  /// deletion; the substitution cost is added for safety).
  var neighbourMargin: Int32 { 2 * (insertion + deletion) + substitution }

  /// The total cost of a path with these counts.
  func cost(of counts: EditCounts) -> Int {
    Int(substitution) * counts.substitutions + Int(insertion) * counts.insertions + Int(deletion) * counts.deletions
  }

  /// The cheaper of insertion and deletion: a cell `(m, n)` costs at least
  /// `|m - n| * cheapestGap`.
  var cheapestGap: Int32 { min(insertion, deletion) }
}
