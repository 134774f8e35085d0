@testable import WERScoring

/// The full-table aligners `WordAligner` used before `AlignmentWorkspace` (kept verbatim as
/// the test oracle): Kaldi's `align-text` backtrace and sclite's forward-choice path, both over
/// an O(|ref| x |hyp|) table.
enum FullTableOracle {
  static func path(reference: [Int32], hypothesis: [Int32], rule: AlignmentRule) -> [EditOperation] {
    switch rule {
    case .kaldi: return alignTextPath(reference: reference, hypothesis: hypothesis)
    case .sclite: return forwardChoicePath(reference: reference, hypothesis: hypothesis, costs: EditCosts(.sclite))
    }
  }

  /// Kaldi `align-text` (`LevenshteinAlignment`): unit-cost matrix, then a backtrace from the
  /// end preferring match/substitution when `<=` both others, then deletion when `<=`
  /// insertion. Returns the steps in reading order (`.correct` stands for any diagonal step).
  static func alignTextPath(reference a: [Int32], hypothesis b: [Int32]) -> [EditOperation] {
    let rows = a.count + 1
    let columns = b.count + 1
    var e = [Int32](repeating: 0, count: rows * columns)
    e.withUnsafeMutableBufferPointer { e in
      for n in 0..<columns { e[n] = Int32(n) }
      for m in 1..<rows {
        e[m * columns] = Int32(m)
        for n in 1..<columns {
          let diagonal = e[(m - 1) * columns + n - 1] + (a[m - 1] == b[n - 1] ? 0 : 1)
          let deletion = e[(m - 1) * columns + n] + 1
          let insertion = e[m * columns + n - 1] + 1
          e[m * columns + n] = min(diagonal, min(deletion, insertion))
        }
      }
    }
    var steps: [EditOperation] = []
    steps.reserveCapacity(a.count + b.count)
    var m = a.count
    var n = b.count
    while m != 0 || n != 0 {
      if m == 0 {
        steps.append(.insertion)
        n -= 1
      } else if n == 0 {
        steps.append(.deletion)
        m -= 1
      } else {
        let diagonal = e[(m - 1) * columns + n - 1] + (a[m - 1] == b[n - 1] ? 0 : 1)
        let deletion = e[(m - 1) * columns + n] + 1
        let insertion = e[m * columns + n - 1] + 1
        if diagonal <= min(deletion, insertion) {
          steps.append(.correct)
          m -= 1
          n -= 1
        } else if deletion <= insertion {
          steps.append(.deletion)
          m -= 1
        } else {
          steps.append(.insertion)
          n -= 1
        }
      }
    }
    return steps.reversed()
  }

  /// sclite (`net_dp.c`): each cell records the choice made in the forward pass (the same
  /// choice `EditDistanceScratch.counts` makes), and the path follows those choices back.
  static func forwardChoicePath(reference a: [Int32], hypothesis b: [Int32], costs: EditCosts)
    -> [EditOperation]
  {
    let rows = a.count + 1
    let columns = b.count + 1
    var cost = [Int32](repeating: 0, count: rows * columns)
    var choice = [EditOperation](repeating: .correct, count: rows * columns)
    cost.withUnsafeMutableBufferPointer { cost in
      choice.withUnsafeMutableBufferPointer { choice in
        for n in 1..<columns {
          cost[n] = Int32(n) * costs.insertion
          choice[n] = .insertion
        }
        for m in 1..<rows {
          cost[m * columns] = Int32(m) * costs.deletion
          choice[m * columns] = .deletion
          for n in 1..<columns {
            let diagonal =
              cost[(m - 1) * columns + n - 1] + (a[m - 1] == b[n - 1] ? 0 : costs.substitution)
            let deletion = cost[(m - 1) * columns + n] + costs.deletion
            let insertion = cost[m * columns + n - 1] + costs.insertion
            let takeDiagonal =
              costs.substitutionWinsTies
              ? (diagonal <= deletion && diagonal <= insertion)
              : (diagonal < deletion && diagonal < insertion)
            if takeDiagonal {
              cost[m * columns + n] = diagonal
              choice[m * columns + n] = .correct
            } else if deletion < insertion {
              cost[m * columns + n] = deletion
              choice[m * columns + n] = .deletion
            } else {
              cost[m * columns + n] = insertion
              choice[m * columns + n] = .insertion
            }
          }
        }
      }
    }
    var steps: [EditOperation] = []
    steps.reserveCapacity(a.count + b.count)
    var m = a.count
    var n = b.count
    while m != 0 || n != 0 {
      let step = choice[m * columns + n]
      steps.append(step)
      switch step {
      case .correct, .substitution:
        m -= 1
        n -= 1
      case .deletion: m -= 1
      case .insertion: n -= 1
      }
    }
    return steps.reversed()
  }
}
