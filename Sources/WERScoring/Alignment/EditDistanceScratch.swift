/// Reusable working memory for counting edits between interned word sequences.
///
/// One row of `(cost, ins, del, sub)` cells of length `reference.count + 1` is kept between
/// calls, so scoring many sentences allocates only when a longer reference appears. Time is
/// O(|ref| x |hyp|), memory O(|ref|). Not thread-safe: use one scratch per thread.
public struct EditDistanceScratch: Sendable {
  @usableFromInline
  struct Cell: Sendable {
    var cost: Int32
    var insertions: Int32
    var deletions: Int32
    var substitutions: Int32
  }

  @usableFromInline var row: [Cell] = []

  public init() {}

  /// Edit counts of `hypothesis` against `reference` (word ids from one `WordInterner`),
  /// following `rule`'s costs and tie-breaking (see `AlignmentRule`).
  public mutating func counts(
    reference: UnsafeBufferPointer<Int32>, hypothesis: UnsafeBufferPointer<Int32>,
    rule: AlignmentRule
  ) -> EditCounts {
    let costs = EditCosts(rule)
    let columns = reference.count + 1
    if row.count < columns {
      row = [Cell](
        repeating: Cell(cost: 0, insertions: 0, deletions: 0, substitutions: 0), count: columns)
    }
    let final = row.withUnsafeMutableBufferPointer { cells -> Cell in
      for j in 0..<columns {
        cells[j] = Cell(
          cost: Int32(j) * costs.deletion, insertions: 0, deletions: Int32(j), substitutions: 0)
      }
      for hypWord in hypothesis {
        var diagonal = cells[0]
        var left = diagonal
        left.cost += costs.insertion
        left.insertions += 1
        cells[0] = left
        for j in 1..<columns {
          let above = cells[j]
          let isMatch = reference[j - 1] == hypWord
          let substitutionCost = diagonal.cost + (isMatch ? 0 : costs.substitution)
          let insertionCost = above.cost + costs.insertion
          let deletionCost = left.cost + costs.deletion
          var next: Cell
          if costs.substitutionWinsTies
            ? (substitutionCost <= insertionCost && substitutionCost <= deletionCost)
            : (substitutionCost < insertionCost && substitutionCost < deletionCost)
          {
            next = diagonal
            next.cost = substitutionCost
            if !isMatch { next.substitutions += 1 }
          } else if deletionCost < insertionCost {
            next = left
            next.cost = deletionCost
            next.deletions += 1
          } else {
            next = above
            next.cost = insertionCost
            next.insertions += 1
          }
          cells[j] = next
          diagonal = above
          left = next
        }
      }
      return cells[columns - 1]
    }
    return EditCounts(
      insertions: Int(final.insertions), deletions: Int(final.deletions),
      substitutions: Int(final.substitutions), referenceWords: reference.count)
  }

  /// Convenience over arrays of word ids.
  public mutating func counts(reference: [Int32], hypothesis: [Int32], rule: AlignmentRule)
    -> EditCounts
  {
    reference.withUnsafeBufferPointer { r in
      hypothesis.withUnsafeBufferPointer { h in counts(reference: r, hypothesis: h, rule: rule) }
    }
  }
}

/// Operation costs and the substitution tie rule of an `AlignmentRule`.
struct EditCosts: Sendable {
  let substitution: Int32
  let insertion: Int32
  let deletion: Int32
  /// True when a substitution/match is taken on a tie with insertion or deletion.
  let substitutionWinsTies: Bool

  init(_ rule: AlignmentRule) {
    switch rule {
    case .kaldi:
      (substitution, insertion, deletion, substitutionWinsTies) = (1, 1, 1, false)
    case .sclite:
      (substitution, insertion, deletion, substitutionWinsTies) = (4, 3, 3, true)
    }
  }
}
