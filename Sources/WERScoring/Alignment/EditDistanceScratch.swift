/// Reusable working memory for counting edits between interned word sequences.
///
/// One row of `(cost, ins, del, sub)` cells of length `reference.count + 1` is kept between
/// calls, so scoring many sentences allocates only when a longer reference appears. Memory
/// O(|ref|). Time O(|ref| x |hyp|) for pairs up to `fullTableCells` cells; a larger pair is
/// counted in a diagonal band that doubles from `initialBand` until its cost proves it wide
/// enough (cells outside it cost more than any cell next to the counted path, so every
/// choice on that path, and so the counts, are exactly the full table's), or computed in
/// full once the band would span a quarter of a row. Not thread-safe: one scratch per thread.
public struct EditDistanceScratch: Sendable {
  @usableFromInline
  struct Cell: Sendable {
    var cost: Int32
    var insertions: Int32
    var deletions: Int32
    var substitutions: Int32
  }

  @usableFromInline var row: [Cell] = []
  /// Pairs with at most this many table cells are counted without a band.
  let fullTableCells: Int
  let initialBand: Int

  public init() { self.init(fullTableCells: 1 << 22, initialBand: 256) }

  init(fullTableCells: Int, initialBand: Int) {
    self.fullTableCells = fullTableCells
    self.initialBand = initialBand
  }

  /// Edit counts of `hypothesis` against `reference` (word ids from one `WordInterner`),
  /// following `rule`'s costs and tie-breaking (see `AlignmentRule`).
  public mutating func counts(
    reference: UnsafeBufferPointer<Int32>, hypothesis: UnsafeBufferPointer<Int32>,
    rule: AlignmentRule
  ) -> EditCounts {
    let costs = EditCosts(rule)
    let (m, n) = (reference.count, hypothesis.count)
    if row.count < m + 1 {
      row = [Cell](repeating: Cell(cost: 0, insertions: 0, deletions: 0, substitutions: 0), count: m + 1)
    }
    var banded: Cell?
    if (m + 1) * (n + 1) > fullTableCells {
      var band = max(initialBand, abs(m - n))
      while banded == nil && 8 * band < max(m, n) {
        let cell = pass(reference: reference, hypothesis: hypothesis, costs: costs, band: band)
        if Int(cell.cost) + Int(costs.neighbourMargin) <= band * Int(costs.cheapestGap) { banded = cell }
        band *= 2
      }
    }
    let final = banded ?? pass(reference: reference, hypothesis: hypothesis, costs: costs, band: max(m, n))
    return EditCounts(
      insertions: Int(final.insertions), deletions: Int(final.deletions),
      substitutions: Int(final.substitutions), referenceWords: m)
  }

  /// One pass over the rows (hypothesis words) computing only the columns (reference
  /// positions) within `band` of the diagonal; returns the last cell.
  private mutating func pass(
    reference: UnsafeBufferPointer<Int32>, hypothesis: UnsafeBufferPointer<Int32>, costs: EditCosts,
    band: Int
  ) -> Cell {
    let last = reference.count
    return row.withUnsafeMutableBufferPointer { cells -> Cell in
      for j in 0...last {
        cells[j] = Cell(cost: Int32(j) * costs.deletion, insertions: 0, deletions: Int32(j), substitutions: 0)
      }
      let unreachable = Cell(cost: Int32.max / 4, insertions: 0, deletions: 0, substitutions: 0)
      for (index, hypWord) in hypothesis.enumerated() {
        let i = index + 1
        let low = max(0, i - band)
        let high = min(last, i + band)
        if high > min(last, i - 1 + band) { cells[high] = unreachable }
        var diagonal: Cell
        var left: Cell
        var j = low
        if low == 0 {
          diagonal = cells[0]
          left = diagonal
          left.cost += costs.insertion
          left.insertions += 1
          cells[0] = left
          j = 1
        } else {
          diagonal = cells[low - 1]
          left = unreachable
        }
        while j <= high {
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
          j += 1
        }
      }
      return cells[last]
    }
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

  /// How much more than the counted path's cost a cell next to it can cost (see `PathRule`).
  var neighbourMargin: Int32 { 2 * (insertion + deletion) + substitution }

  /// A cell `(i, j)` costs at least `|i - j|` times this.
  var cheapestGap: Int32 { min(insertion, deletion) }

  init(_ rule: AlignmentRule) {
    switch rule {
    case .kaldi:
      (substitution, insertion, deletion, substitutionWinsTies) = (1, 1, 1, false)
    case .sclite:
      (substitution, insertion, deletion, substitutionWinsTies) = (4, 3, 3, true)
    }
  }
}
