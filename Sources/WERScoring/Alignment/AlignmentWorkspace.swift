/// Reusable working memory for alignment paths, in space linear in the sentence lengths.
///
/// The path is exactly the one a backtrace over the full cost table takes (Kaldi's
/// `align-text` for `.kaldi`, sclite's for `.sclite`; `PathRule`), found without that table:
///
/// - A common suffix is matched directly (the full backtrace always takes the diagonal there).
/// - A pair whose table has at most `fullTableCells` cells is traced in one table.
/// - A larger pair is split at its middle reference row, as in Hirschberg's algorithm, but the
///   column where the path crosses that row is the one the backtrace itself reaches: a pass
///   over the upper half carries, for every cell, the column at which the backtrace starting
///   there first reaches the middle row. Each half is then solved the same way from its exact
///   boundary costs (the middle row, and the column where the upper half starts, recomputed).
/// - Only a diagonal band of the table is computed for large pairs: cells further than `band`
///   from the diagonal cost more than any cell next to the path, so the costs the backtrace
///   compares are exact. The band comes from the pair's known counts, or starts at
///   `initialBand` and doubles, until the banded total cost proves it wide enough.
///
/// Memory (`allocatedBytes`): `|ref| + |hyp| + 256` words for the boundaries of the pending
/// halves, three rows of `|hyp| + 1` words and a column of `|ref| + 1`, and a table of at most
/// `max(fullTableCells, 2 (|hyp| + 1))` words.
/// Time: O(|ref| x |hyp|) for small pairs; for large ones about three banded passes,
/// O((|ref| + |hyp|) x band) each, band about the number of errors. Not thread-safe.
public final class AlignmentWorkspace {
  /// Pairs with at most this many table cells are traced in one table (16 MB of costs).
  public static let defaultFullTableCells = 1 << 22

  /// The largest table traced directly; larger pairs are split.
  public let fullTableCells: Int
  /// The first band tried for a pair larger than `fullTableCells`.
  public let initialBand: Int

  private var rowWork = CostBuffer()
  private var rowMiddle = CostBuffer()
  private var exitRow = CostBuffer()
  private var columnWork = CostBuffer()
  private var table = CostBuffer()
  /// A stack of boundaries: each pending lower half's bottom row and left column, then the
  /// current block's.
  private var arena = CostBuffer()
  private var arenaTop = 0
  /// The path from the end backwards.
  private var steps: [EditOperation] = []

  // The pair being aligned.
  private var reference = UnsafePointer<Int32>(bitPattern: 8)!
  private var hypothesis = UnsafePointer<Int32>(bitPattern: 8)!
  private var rule = PathRule(.kaldi)
  private var band = 0

  /// Boundary words used at most at once by the last `path` call (O(|ref| + |hyp|)).
  public private(set) var peakBoundaryWords = 0

  public init(fullTableCells: Int = AlignmentWorkspace.defaultFullTableCells, initialBand: Int = 256) {
    precondition(fullTableCells >= 4 && initialBand >= 1)
    self.fullTableCells = fullTableCells
    self.initialBand = initialBand
  }

  deinit {
    for buffer in [rowWork, rowMiddle, exitRow, columnWork, table, arena] { buffer.deallocate() }
  }

  /// Bytes held between calls: the rows, the table, the boundary stack and the path.
  public var allocatedBytes: Int {
    let words = [rowWork, rowMiddle, exitRow, columnWork, table, arena].reduce(0) { $0 + $1.capacity }
    return words * MemoryLayout<Int32>.stride + steps.capacity * MemoryLayout<EditOperation>.stride
  }

  /// The alignment path of `hypothesis` against `reference` (word ids of one `WordInterner`)
  /// under `rule`, in reading order; `.correct` stands for any diagonal step. `knownCounts`,
  /// the pair's `EditCounts` under `rule` when already computed, sizes the band of a long pair
  /// without probing (it is checked: wrong counts cost time, never a different path).
  public func path(
    reference: UnsafeBufferPointer<Int32>, hypothesis: UnsafeBufferPointer<Int32>, rule: AlignmentRule,
    knownCounts: EditCounts? = nil
  ) -> [EditOperation] {
    steps.removeAll(keepingCapacity: true)
    steps.reserveCapacity(reference.count + hypothesis.count)
    var suffix = 0
    while suffix < reference.count && suffix < hypothesis.count
      && reference[reference.count - 1 - suffix] == hypothesis[hypothesis.count - 1 - suffix]
    {
      suffix += 1
    }
    steps.append(contentsOf: repeatElement(.correct, count: suffix))
    let m = reference.count - suffix
    let n = hypothesis.count - suffix
    peakBoundaryWords = 0
    if m == 0 || n == 0 {
      steps.append(contentsOf: repeatElement(m == 0 ? .insertion : .deletion, count: m + n))
      return steps.reversed()
    }
    self.reference = reference.baseAddress!
    self.hypothesis = hypothesis.baseAddress!
    self.rule = PathRule(rule)
    band = max(m, n)
    // Boundaries of the whole table: row 0 costs j insertions, column 0 r deletions.
    arena.reserve(m + n + 256)
    for j in 0...n { arena[j] = Int32(j) * self.rule.insertion }
    for r in 0...m { arena[n + 1 + r] = Int32(r) * self.rule.deletion }
    arenaTop = m + n + 2
    peakBoundaryWords = arenaTop
    if (m + 1) * (n + 1) > fullTableCells {
      rowWork.reserve(n + 1)
      rowMiddle.reserve(n + 1)
      exitRow.reserve(n + 1)
      columnWork.reserve(m + 1)
      band = sufficientBand(m, n, knownCost: knownCounts.map { self.rule.cost(of: $0) })
    }
    let exit = trace(0, m, 0, n, base: 0)
    steps.append(contentsOf: repeatElement(.insertion, count: exit))
    return steps.reversed()
  }

  /// Convenience over arrays of word ids.
  public func path(reference: [Int32], hypothesis: [Int32], rule: AlignmentRule, knownCounts: EditCounts? = nil)
    -> [EditOperation]
  {
    reference.withUnsafeBufferPointer { r in
      hypothesis.withUnsafeBufferPointer { h in
        path(reference: r, hypothesis: h, rule: rule, knownCounts: knownCounts)
      }
    }
  }

  /// A band whose banded total cost, plus the margin of the path's neighbours, stays inside
  /// it (then every cost the backtrace compares is exact): the one `knownCost` implies, if
  /// narrower than a third of the longer sentence and confirmed by one banded pass; else the
  /// narrowest doubling of `initialBand` up to an eighth of it (beyond that, probing costs more
  /// than the band saves: about one error in eight words); else no band (`max(m, n)`).
  private func sufficientBand(_ m: Int, _ n: Int, knownCost: Int?) -> Int {
    let gap = Int(rule.cheapestGap)
    if let knownCost {
      let candidate = max(abs(m - n), (knownCost + Int(rule.neighbourMargin) + gap - 1) / gap)
      if 3 * candidate < max(m, n) && bandIsExact(candidate, m, n) { return candidate }
    }
    var candidate = max(initialBand, abs(m - n))
    while 8 * candidate < max(m, n) {
      if bandIsExact(candidate, m, n) { return candidate }
      candidate *= 2
    }
    return max(m, n)
  }

  /// Whether the total cost computed in a band of `candidate` proves the band wide enough.
  private func bandIsExact(_ candidate: Int, _ m: Int, _ n: Int) -> Bool {
    band = candidate
    forwardRows(
      from: 0, to: m, columns: 0, n, bottom: arena.pointer, left: arena.pointer + n + 1, into: rowWork.pointer)
    return Int(rowWork[n]) + Int(rule.neighbourMargin) <= candidate * Int(rule.cheapestGap)
  }

  /// The first and last column of row `r` inside the band and the block.
  @inline(__always)
  private func window(_ r: Int, _ c0: Int, _ c1: Int) -> (Int, Int) { (max(c0, r - band), min(c1, r + band)) }

  /// Traces the block rows `r0...r1` x columns `c0...c1` from `(r1, c1)` back to its first
  /// cell in row `r0`, appending the steps; returns that cell's column. `arena[base...]` holds
  /// the block's bottom row (`c1 - c0 + 1` costs) and then its left column (`r1 - r0 + 1`).
  /// Inside a split the path is known to end at `(r0, c0)`.
  private func trace(_ r0: Int, _ r1: Int, _ c0: Int, _ c1Start: Int, base: Int) -> Int {
    var r1 = r1
    var c1 = c1Start
    while true {
      let h = r1 - r0
      let w = c1 - c0
      let bottom = arena.pointer + base
      let left = bottom + w + 1
      // A full table is cheaper than splitting unless the band is much narrower than the block.
      if h <= 1 || ((h + 1) * (w + 1) <= fullTableCells && w < 8 * (2 * band + 1)) {
        return traceTable(r0, r1, c0, c1, bottom: bottom, left: left)
      }
      let middle = r0 + h / 2
      forwardRows(from: r0, to: middle, columns: c0, c1, bottom: bottom, left: left, into: rowMiddle.pointer)
      let crossing = c0 + crossingColumn(middle, r1, c0, c1, left: left + (middle - r0))
      let k = crossing - c0
      columnCosts(middle, r1, c0, crossing, left: left + (middle - r0))
      // Lower half: the prefixes of this block's bottom row and left column, kept in place.
      let lowerLeft = bottom + k + 1
      for i in 0...(middle - r0) { lowerLeft[i] = left[i] }
      // Upper half: the middle row from the crossing on, and the crossing column.
      let upperBase = base + (k + 1) + (middle - r0 + 1)
      let upperBottomCount = w - k + 1
      let upperLeftCount = r1 - middle + 1
      arenaTop = upperBase + upperBottomCount + upperLeftCount
      precondition(arenaTop <= arena.capacity, "alignment boundary stack overflow")
      peakBoundaryWords = max(peakBoundaryWords, arenaTop)
      let (low, high) = window(middle, c0, c1)
      let upperBottom = arena.pointer + upperBase
      for j in 0..<upperBottomCount {
        let column = crossing + j
        upperBottom[j] = column >= low && column <= high ? rowMiddle[column - c0] : PathRule.unreachable
      }
      (upperBottom + upperBottomCount).update(from: columnWork.pointer, count: upperLeftCount)
      let exit = trace(middle, r1, crossing, c1, base: upperBase)
      assert(exit == crossing, "the upper half must end where the crossing pass found")
      arenaTop = upperBase
      r1 = middle
      c1 = crossing
    }
  }

  /// Costs of row `to` over columns `c0...c1` into `row`, from the block's bottom row (row
  /// `from`) and left column, inside the band.
  private func forwardRows(
    from r0: Int, to target: Int, columns c0: Int, _ c1: Int, bottom: UnsafeMutablePointer<Int32>,
    left: UnsafeMutablePointer<Int32>, into row: UnsafeMutablePointer<Int32>
  ) {
    row.update(from: bottom, count: c1 - c0 + 1)
    if target == r0 { return }
    for r in (r0 + 1)...target { advance(row, r, c0, c1, leftCost: left[r - r0]) }
  }

  /// Moves `row` from row `r - 1` to row `r` (columns `c0...c1`, band window only).
  @inline(__always)
  private func advance(_ row: UnsafeMutablePointer<Int32>, _ r: Int, _ c0: Int, _ c1: Int, leftCost: Int32) {
    let (low, high) = window(r, c0, c1)
    if high > min(c1, r - 1 + band) { row[high - c0] = PathRule.unreachable }
    var diagonal: Int32
    var previous: Int32
    var n = low
    if low == c0 {
      diagonal = row[0]
      row[0] = leftCost
      previous = leftCost
      n += 1
    } else {
      diagonal = row[low - 1 - c0]
      previous = PathRule.unreachable
    }
    let word = reference[r - 1]
    let words = hypothesis
    let (substitution, deletion, insertion) = (rule.substitution, rule.deletion, rule.insertion)
    while n <= high {
      let j = n - c0
      let above = row[j]
      let cost = PathRule.minimum(
        diagonal + (word == words[n - 1] ? 0 : substitution), above + deletion, previous + insertion)
      row[j] = cost
      diagonal = above
      previous = cost
      n += 1
    }
  }

  /// From the middle row (in `rowMiddle`) to row `r1`: the column (relative to `c0`) at which
  /// the backtrace from `(r1, c1)` first reaches the middle row. `left` is the block's left
  /// column from the middle row on.
  private func crossingColumn(_ middle: Int, _ r1: Int, _ c0: Int, _ c1: Int, left: UnsafeMutablePointer<Int32>)
    -> Int
  {
    let row = rowWork.pointer
    let exits = exitRow.pointer
    row.update(from: rowMiddle.pointer, count: c1 - c0 + 1)
    for j in 0...(c1 - c0) { exits[j] = Int32(j) }
    let rule = self.rule
    let words = hypothesis
    let (substitution, deletion, insertion) = (rule.substitution, rule.deletion, rule.insertion)
    for r in (middle + 1)...r1 {
      let (low, high) = window(r, c0, c1)
      if high > min(c1, r - 1 + band) {
        row[high - c0] = PathRule.unreachable
        exits[high - c0] = 0
      }
      var diagonal: Int32
      var diagonalExit: Int32
      var previous: Int32
      var previousExit: Int32 = 0
      var n = low
      if low == c0 {
        // The left column of a block is crossed straight down.
        (diagonal, diagonalExit) = (row[0], exits[0])
        row[0] = left[r - middle]
        exits[0] = 0
        previous = row[0]
        n += 1
      } else {
        (diagonal, diagonalExit) = (row[low - 1 - c0], exits[low - 1 - c0])
        previous = PathRule.unreachable
      }
      let word = reference[r - 1]
      while n <= high {
        let j = n - c0
        let above = row[j]
        let aboveExit = exits[j]
        let viaDiagonal = diagonal + (word == words[n - 1] ? 0 : substitution)
        let viaDeletion = above + deletion
        let viaInsertion = previous + insertion
        switch rule.step(diagonal: viaDiagonal, deletion: viaDeletion, insertion: viaInsertion) {
        case .deletion: (previous, previousExit) = (viaDeletion, aboveExit)
        case .insertion: (previous, previousExit) = (viaInsertion, previousExit)
        default: (previous, previousExit) = (viaDiagonal, diagonalExit)
        }
        row[j] = previous
        exits[j] = previousExit
        (diagonal, diagonalExit) = (above, aboveExit)
        n += 1
      }
    }
    return Int(exits[c1 - c0])
  }

  /// Costs of column `crossing` for rows `middle...r1` into `columnWork`, recomputed from the
  /// middle row and the block's left column; cells outside the band are `unreachable`.
  private func columnCosts(_ middle: Int, _ r1: Int, _ c0: Int, _ crossing: Int, left: UnsafeMutablePointer<Int32>) {
    let k = crossing - c0
    let row = rowWork.pointer
    row.update(from: rowMiddle.pointer, count: k + 1)
    columnWork[0] = row[k]
    for r in (middle + 1)...r1 {
      advance(row, r, c0, crossing, leftCost: left[r - middle])
      let (low, high) = window(r, c0, crossing)
      columnWork[r - middle] = crossing >= low && crossing <= high ? row[k] : PathRule.unreachable
    }
  }

  /// Traces a small block in one full table built from its bottom row and left column.
  private func traceTable(
    _ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int, bottom: UnsafeMutablePointer<Int32>,
    left: UnsafeMutablePointer<Int32>
  ) -> Int {
    let h = r1 - r0
    let width = c1 - c0 + 1
    if h == 0 { return c1 }
    table.reserve((h + 1) * width)
    let t = table.pointer
    t.update(from: bottom, count: width)
    let (rule, words) = (self.rule, hypothesis + c0)
    let (substitution, deletion, insertion) = (rule.substitution, rule.deletion, rule.insertion)
    for r in 1...h {
      let word = reference[r0 + r - 1]
      let above = t + (r - 1) * width
      let current = t + r * width
      current[0] = left[r]
      var previous = current[0]
      for j in stride(from: 1, to: width, by: 1) {
        previous = PathRule.minimum(
          above[j - 1] + (word == words[j - 1] ? 0 : substitution), above[j] + deletion,
          previous + insertion)
        current[j] = previous
      }
    }
    var r = h
    var j = width - 1
    while r > 0 {
      if j == 0 {
        steps.append(.deletion)
        r -= 1
        continue
      }
      let diagonal =
        t[(r - 1) * width + j - 1] + (reference[r0 + r - 1] == words[j - 1] ? 0 : substitution)
      let step = rule.step(
        diagonal: diagonal, deletion: t[(r - 1) * width + j] + deletion, insertion: t[r * width + j - 1] + insertion)
      steps.append(step)
      switch step {
      case .deletion: r -= 1
      case .insertion: j -= 1
      default:
        r -= 1
        j -= 1
      }
    }
    return c0 + j
  }
}

/// Manually managed `Int32` storage that grows without copying (its content is scratch).
private struct CostBuffer {
  private(set) var pointer = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
  private(set) var capacity = 1

  mutating func reserve(_ count: Int) {
    guard count > capacity else { return }
    pointer.deallocate()
    pointer = UnsafeMutablePointer<Int32>.allocate(capacity: count)
    capacity = count
  }

  subscript(index: Int) -> Int32 {
    get { pointer[index] }
    nonmutating set { pointer[index] = newValue }
  }

  func deallocate() { pointer.deallocate() }
}
