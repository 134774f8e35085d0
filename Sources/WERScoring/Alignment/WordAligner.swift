/// Word-level Levenshtein alignment of a hypothesis against a reference.
public enum WordAligner {
  /// Edit counts of `hypothesis` against `reference` under `rule`; no alignment record.
  /// Words are interned once (O(|ref| + |hyp|) hashing) and the O(|ref| x |hyp|) dynamic
  /// programme compares integer ids in one reused row. For many sentences, keep a
  /// `WordInterner` and an `EditDistanceScratch` and call `EditDistanceScratch.counts`.
  public static func counts(reference: [String], hypothesis: [String], rule: AlignmentRule = .kaldi)
    -> EditCounts
  {
    var interner = WordInterner()
    let ref = interner.ids(reference)
    let hyp = interner.ids(hypothesis)
    var scratch = EditDistanceScratch()
    return scratch.counts(reference: ref, hypothesis: hyp, rule: rule)
  }

  /// The full alignment, in reading order. With `.kaldi` it is Kaldi's `align-text` path,
  /// whose error total always equals `counts`'s but whose split can differ on ties (as in
  /// Kaldi, where per-utterance details come from `align-text` and the `%WER` line from
  /// `compute-wer`). With `.sclite` the path is sclite's and agrees with `counts` exactly.
  /// Memory O(|ref| x |hyp|).
  public static func align(reference: [String], hypothesis: [String], rule: AlignmentRule = .kaldi)
    -> [AlignedPair]
  {
    var interner = WordInterner()
    let ref = interner.ids(reference)
    let hyp = interner.ids(hypothesis)
    let steps: [EditOperation]
    switch rule {
    case .kaldi: steps = alignTextPath(reference: ref, hypothesis: hyp)
    case .sclite:
      steps = forwardChoicePath(reference: ref, hypothesis: hyp, costs: EditCosts(.sclite))
    }
    var result: [AlignedPair] = []
    result.reserveCapacity(steps.count)
    var m = 0
    var n = 0
    for step in steps {
      switch step {
      case .correct, .substitution:
        result.append(AlignedPair(reference: reference[m], hypothesis: hypothesis[n]))
        m += 1
        n += 1
      case .deletion:
        result.append(AlignedPair(reference: reference[m], hypothesis: nil))
        m += 1
      case .insertion:
        result.append(AlignedPair(reference: nil, hypothesis: hypothesis[n]))
        n += 1
      }
    }
    return result
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
