import CPrefetch
import NCECore

/// One training worker's gradient of a direct-feature table (`DirectFeatures`): a dense table
/// of `tableSize` Floats plus the lists of the weights a batch touched, one list per range of
/// the table (`partCount` ranges of `1 << partShift` weights), each in first-touch order.
///
/// An untouched weight holds the NaN bit pattern `untouchedPattern`, which no arithmetic
/// produces (operations return the default NaN or propagate an input NaN's payload), so the
/// accumulation needs no separate touched flags: one memory access per lookup checks and adds.
/// A touched weight's gradient is `0 + c_1 + c_2 + ...` in accumulation order, as a dense
/// zero-initialised gradient would hold.
///
/// The workers share the table's weights (`DirectFeatures.init(sharingTableOf:)`) and keep one
/// gradient each; `applySGD` sums them in worker order and updates the table in one pass, each
/// thread over its own ranges' lists.
public final class DirectGradient {
  /// The bit pattern of an untouched weight: a negative NaN with every payload bit set.
  static let untouchedPattern: UInt32 = 0xFFFF_FFFF
  /// The most table ranges, hence update threads.
  static let maximumParts = 8
  public let tableSize: Int
  /// Weight `i` is listed in range `i >> partShift`.
  let partShift: Int
  let partCount: Int
  // Both are read or changed at every add (several per scored pair), always by the one worker
  // that owns this gradient, or by `applySGD` while the workers wait: the run-time exclusivity
  // checks cost about 5% of direct-feature training (perf: swift_endAccess, AccessSet::insert).
  /// Allocated at the first add: a model that is only scored never holds it.
  @exclusivity(unchecked) private var storage: UnsafeMutablePointer<Float>?
  /// The touched weights of each range, each once, in first-touch order. Listing them by range
  /// spares `applySGD`'s threads a filter over every list, whose branch on random indices was
  /// mispredicted half of the time.
  @exclusivity(unchecked) private var touchedByPart: [[Int]]

  public init(tableSize: Int) {
    self.tableSize = tableSize
    var shift = 0
    while (max(tableSize, 1) - 1) >> shift >= Self.maximumParts { shift += 1 }
    partShift = shift
    partCount = ((max(tableSize, 1) - 1) >> shift) + 1
    touchedByPart = [[Int]](repeating: [], count: partCount)
  }

  deinit { storage?.deallocate() }

  /// Whether the table has been allocated (by an add).
  var holdsTable: Bool { storage != nil }

  /// The touched weights, range by range, each in first-touch order.
  public var touched: [Int] { Array(touchedByPart.joined()) }

  /// The number of touched weights.
  var touchedCount: Int { touchedByPart.reduce(0) { $0 + $1.count } }

  /// The table, allocated on first use.
  @inline(__always)
  private var table: UnsafeMutablePointer<Float> {
    if let storage { return storage }
    let table = UnsafeMutablePointer<Float>.allocate(capacity: tableSize)
    // Random adds over the whole table: huge pages spare a TLB miss per add.
    HugePages.advise(UnsafeMutableBufferPointer(start: table, count: tableSize))
    table.initialize(repeating: Float(bitPattern: Self.untouchedPattern), count: tableSize)
    storage = table
    return table
  }

  /// The table's address (allocating it), for prefetching ahead of `add`.
  var tableAddress: UnsafePointer<Float> { UnsafePointer(table) }

  /// The gradient of weight `index` (0 when untouched).
  public func value(at index: Int) -> Float {
    precondition(index >= 0 && index < tableSize, "direct weight \(index) outside the table")
    guard let storage, storage[index].bitPattern != Self.untouchedPattern else { return 0 }
    return storage[index]
  }

  /// Adds `coefficient` to the gradient of weight `index`, touching it.
  @inline(__always)
  func add(_ coefficient: Float, at index: Int) {
    let storage = table
    let old = storage[index]
    if old.bitPattern == Self.untouchedPattern {
      storage[index] = 0 + coefficient
      touchedByPart[index >> partShift].append(index)
    } else {
      storage[index] = old + coefficient
    }
  }

  /// Adds `coefficients[w]` to the gradient of weight `base + w` for `w < count`, touching them.
  func add(_ coefficients: UnsafePointer<Float>, toSliceAt base: Int, count: Int) {
    for w in 0..<count { add(coefficients[w], at: base + w) }
  }

  /// Forgets every touched weight (back to an all-zero gradient).
  public func reset() {
    guard let storage else { return }
    for part in 0..<partCount {
      for index in touchedByPart[part] { storage[index] = Float(bitPattern: Self.untouchedPattern) }
      touchedByPart[part].removeAll(keepingCapacity: true)
    }
  }

  /// Touched weights `applySGD` asks for ahead of the one it updates.
  static let updateLookahead = 16

  /// Sums the gradients of `workers` (all of one table of `tableSize` weights) in worker order
  /// and applies plain SGD with L2 to every weight any of them touched:
  /// `g = g_0 + g_1 + ...` (only the workers that touched the weight), then
  /// `w -= learningRate * (g + l2 * w)`; the gradients are reset. One pass per weight instead of
  /// a reduction, an update and a zeroing pass. Up to `threads` threads share the table's
  /// ranges, each range whole to one thread, and each weight's value does not depend on that.
  static func applySGD(
    _ workers: [DirectGradient], to weights: UnsafeMutablePointer<Float>, learningRate lr: Float, l2: Float,
    threads: Int
  ) {
    guard let first = workers.first else { return }
    precondition(
      workers.allSatisfy { $0.tableSize == first.tableSize }, "the workers' gradients belong to other tables")
    // A worker that touched nothing adds nothing (and need not allocate its table).
    let workers = workers.filter { $0.touchedCount > 0 }
    let touchedCount = workers.reduce(0) { $0 + $1.touchedCount }
    let storages = workers.map(\.table)
    let parts = first.partCount
    let lists = workers.map(\.touchedByPart)
    // Each weight costs a few cache misses: past a few thousand, a second thread pays for its
    // wake-up (at 32,768 most PTB batches ran on one thread).
    let threads = touchedCount >= 4096 ? min(max(1, threads), parts) : 1
    let untouched = Float(bitPattern: untouchedPattern)
    parallelFor(threads, threads: threads) { chunk in
      storages.withUnsafeBufferPointer { storages in
        for part in (chunk * parts / threads)..<((chunk + 1) * parts / threads) {
          for (first, workerLists) in lists.enumerated() {
            let g = storages[first]
            workerLists[part].withUnsafeBufferPointer { list in
              for (position, index) in list.enumerated() {
                // Three misses per weight (its gradients and the weight): asked for a few weights ahead.
                if position + updateLookahead < list.count {
                  let next = list[position + updateLookahead]
                  nce_prefetch_write(weights + next)
                  for later in first..<storages.count { nce_prefetch_write(storages[later] + next) }
                }
                // Touched by an earlier worker: already summed and applied.
                guard g[index].bitPattern != untouchedPattern else { continue }
                var total = g[index]
                g[index] = untouched
                for later in (first + 1)..<storages.count {
                  let other = storages[later]
                  if other[index].bitPattern != untouchedPattern {
                    total += other[index]
                    other[index] = untouched
                  }
                }
                weights[index] -= lr * (total + l2 * weights[index])
              }
            }
          }
        }
      }
    }
    for worker in workers {
      for part in 0..<parts { worker.touchedByPart[part].removeAll(keepingCapacity: true) }
    }
  }
}
