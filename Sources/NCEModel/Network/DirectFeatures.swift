import CPrefetch
import NCECore

/// The settings of the direct n-gram (maximum-entropy) features, stored in `ModelConfig`.
public struct DirectFeatureConfig: Codable, Sendable, Equatable {
  /// Float weights in the hashed table (`rnnlm-train --direct SIZE`: SIZE x 10^6).
  public var tableSize: Int
  /// Highest n-gram order, unigram included (`--direct-order N`).
  public var order: Int

  public init(tableSize: Int, order: Int) {
    self.tableSize = tableSize
    self.order = order
  }

  /// The largest `--direct-order`: longer histories are too sparse to help and cost a lookup each.
  public static let maximumOrder = 8
}

/// Hashed n-gram features added to the output scores (faster-rnnlm's `-direct`, SPEC 3c):
/// `s(w, h) = h · W[w] + b[w] + Σ_{o < N} D[base_o(h) + w]` with `D` a table of `tableSize`
/// Float weights, trained jointly with the network by the criterion's own score gradient.
///
/// The hash (docs/direct-features.md): order 0 (unigram) has base 0. Order `o >= 1` uses the
/// `o` most recent history words `u_1..u_o` (`u_1` the input word of the prediction; `</s>` is
/// read as `<s>`): `key = o · 0x9E3779B97F4A7C15`, then `key = mix64(key + u_j + 1)` for
/// `j = 1...o` (`mix64` the SplitMix64 finalizer), and `base_o = key mod (tableSize - V + 1)`.
/// Every base is at most `tableSize - V`, so the `V` features of one order are the contiguous
/// slice `D[base_o ..< base_o + V]`: a full softmax row gets its direct scores from `N` vector
/// adds and its gradient from `N` more; a sampled criterion costs one lookup per order and word.
/// A history stops after its first sentence boundary word (`<s>` or `</s>`): the orders it
/// cannot fill are absent (shorter histories at the start of a sentence).
///
/// Training keeps the gradient outside `weight` (`gradient`, one per worker): the data-parallel
/// replicas of a model share one table and accumulate into their own `DirectGradient`.
public final class DirectFeatures {
  /// `D`, `[tableSize x 1]`, initialised to zero; shared by the training replicas of a model.
  public let weight: Parameter
  /// This model's (worker's) gradient of `D`.
  public let gradient: DirectGradient
  public let order: Int
  public let vocabularySize: Int

  public init(config: DirectFeatureConfig, vocabularySize: Int) {
    precondition(config.tableSize >= vocabularySize && config.order >= 1, "invalid direct feature settings")
    weight = Parameter(name: "direct.weight", valueWithGradientOutside: Matrix(rows: config.tableSize, cols: 1))
    gradient = DirectGradient(tableSize: config.tableSize)
    order = config.order
    self.vocabularySize = vocabularySize
  }

  /// Features reading (not copying) the table of `other`, with a gradient of their own: a
  /// training replica's.
  public init(sharingTableOf other: DirectFeatures) {
    weight = other.weight
    gradient = DirectGradient(tableSize: other.tableSize)
    order = other.order
    vocabularySize = other.vocabularySize
  }

  public var tableSize: Int { weight.value.rows }

  /// SplitMix64's output function: every input bit affects every output bit.
  @inline(__always)
  static func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The base of order `order >= 1` for the words `word(1)...word(order)` (most recent first),
  /// in `0 ... tableSize - vocabularySize`.
  @inline(__always)
  static func base(order: Int, tableSize: Int, vocabularySize: Int, word: (Int) -> Int32) -> Int {
    var key = UInt64(order) &* 0x9E37_79B9_7F4A_7C15
    for j in 1...order {
      var id = word(j)
      if id == Vocabulary.eosID { id = Vocabulary.bosID }
      key = mix64(key &+ UInt64(UInt32(bitPattern: id)) &+ 1)
    }
    return Int(key % UInt64(tableSize - vocabularySize + 1))
  }

  /// The feature index of word `w` in order `o` of row `row` (nil when that order is absent).
  public func featureIndex(row: Int, order o: Int, word: Int32, in rows: DirectRows) -> Int? {
    let base = rows.bases[row * order + o]
    return base < 0 ? nil : base + Int(word)
  }

  /// `Σ_o D[base_o + word]` for row `row` of `rows`: one lookup per order.
  @inline(__always)
  func score(row: Int, word: Int32, bases: UnsafePointer<Int>, weights: UnsafePointer<Float>) -> Float {
    var total: Float = 0
    let rowBases = bases + row * order
    for o in 0..<order where rowBases[o] >= 0 { total += weights[rowBases[o] + Int(word)] }
    return total
  }

  /// Asks for the cache lines of word `word`'s features of orders 1 and up in row `row`, in
  /// `table` (the weights, or a gradient table with `forWriting`). Order 0 is the unigram
  /// slice, small enough to stay cached.
  @inline(__always)
  func prefetch(row: Int, word: Int32, bases: UnsafePointer<Int>, table: UnsafePointer<Float>, forWriting: Bool) {
    let rowBases = bases + row * order
    for o in 1..<order where rowBases[o] >= 0 {
      if forWriting {
        nce_prefetch_write(table + rowBases[o] + Int(word))
      } else {
        nce_prefetch_read(table + rowBases[o] + Int(word))
      }
    }
  }

  /// Adds each target's direct score to `scores` (`scores[i]` belongs to row `i`, word `words[i]`).
  func addScores(to scores: UnsafeMutablePointer<Float>, words: UnsafeBufferPointer<Int32>, rows: DirectRows) {
    precondition(rows.order == order && rows.rows == words.count, "direct rows do not match the scored rows")
    rows.bases.withUnsafeBufferPointer { b in
      weight.value.withUnsafeBufferPointer { d in
        for i in 0..<words.count {
          scores[i] += score(row: i, word: words[i], bases: b.baseAddress!, weights: d.baseAddress!)
        }
      }
    }
  }

  /// Adds the direct scores of all `V` words of row `row` to `scores` (`V` floats): one vector add per order.
  func addAllScores(row: Int, to scores: UnsafeMutablePointer<Float>, rows: DirectRows) {
    let v = vocabularySize
    rows.bases.withUnsafeBufferPointer { b in
      weight.value.withUnsafeBufferPointer { d in
        for o in 0..<order {
          let base = b[row * order + o]
          if base >= 0 { VectorMath.addRowVector(d.baseAddress! + base, to: scores, rows: 1, cols: v) }
        }
      }
    }
  }

  /// `gradient[base_o + word] += coefficient` for every order of row `row`, touching those weights.
  @inline(__always)
  func accumulate(row: Int, word: Int32, coefficient: Float, bases: UnsafePointer<Int>) {
    let rowBases = bases + row * order
    for o in 0..<order where rowBases[o] >= 0 { gradient.add(coefficient, at: rowBases[o] + Int(word)) }
  }

  /// Adds `coefficients[w]` (`V` floats: `d loss / d s(w, h_row)`) to the gradient of every
  /// feature of row `row`: one slice of `V` weights per order.
  func accumulateAll(row: Int, coefficients: UnsafePointer<Float>, rows: DirectRows) {
    let v = vocabularySize
    rows.bases.withUnsafeBufferPointer { b in
      for o in 0..<order {
        let base = b[row * order + o]
        if base >= 0 { gradient.add(coefficients, toSliceAt: base, count: v) }
      }
    }
  }
}

/// The (row, candidate) pairs of a sampled criterion's block in scoring order (each row's
/// target, then its `k` noise words), walked `lookahead` pairs ahead of the loop that scores
/// them or adds their gradients, prefetching each pair's feature lines. The table is hundreds
/// of MB and each feature of order >= 1 is a cache miss: asked for early, the misses of
/// several pairs overlap instead of each stalling the loop at its load (or at the branch on
/// it in the gradient add).
struct SampledFeaturePrefetcher {
  /// Pairs asked for ahead of the current one: about 3 misses each with 4 orders, within
  /// what the core keeps in flight.
  static let lookahead = 32
  let features: DirectFeatures
  let targets: UnsafeBufferPointer<Int32>
  let noise: UnsafePointer<Int32>
  let noiseCount: Int
  let noiseRowStride: Int
  let bases: UnsafePointer<Int>
  let table: UnsafePointer<Float>
  let forWriting: Bool
  private var row = 0
  private var column = 0

  init(
    features: DirectFeatures, targets: UnsafeBufferPointer<Int32>, noise: UnsafePointer<Int32>, noiseCount: Int,
    noiseRowStride: Int, bases: UnsafePointer<Int>, table: UnsafePointer<Float>, forWriting: Bool
  ) {
    self.features = features
    self.targets = targets
    self.noise = noise
    self.noiseCount = noiseCount
    self.noiseRowStride = noiseRowStride
    self.bases = bases
    self.table = table
    self.forWriting = forWriting
    for _ in 0..<Self.lookahead { advance() }
  }

  /// Prefetches the next pair not yet asked for, if any.
  @inline(__always)
  mutating func advance() {
    guard row < targets.count else { return }
    let word = column == 0 ? targets[row] : noise[row * noiseRowStride + column - 1]
    features.prefetch(row: row, word: word, bases: bases, table: table, forWriting: forWriting)
    column += 1
    if column > noiseCount {
      column = 0
      row += 1
    }
  }
}

/// The direct-feature bases of `rows` output rows, `order` per row (`-1`: the history is too
/// short for that order). Built once per batch (training) or per scored block, reused.
public struct DirectRows: Sendable {
  public let order: Int
  public let tableSize: Int
  public let vocabularySize: Int
  /// `rows x order` bases, row-major.
  public private(set) var bases: [Int] = []

  public init(for features: DirectFeatures) {
    order = features.order
    tableSize = features.tableSize
    vocabularySize = features.vocabularySize
  }

  public var rows: Int { bases.count / order }

  public mutating func removeAll() { bases.removeAll(keepingCapacity: true) }

  /// Appends the row of a prediction whose history has `count` known words, `word(j)` the `j`-th
  /// most recent (`j = 1` is the prediction's input word). The history ends after its first
  /// sentence boundary word (`<s>`, `</s>`) or after `count` words, whichever is first.
  @inline(__always)
  public mutating func append(historyCount count: Int, word: (Int) -> Int32) {
    var available = 0
    while available < min(count, order - 1) {
      available += 1
      let id = word(available)
      if id == Vocabulary.bosID || id == Vocabulary.eosID { break }
    }
    bases.append(0)
    for o in 1..<max(order, 1) {
      bases.append(
        o <= available
          ? DirectFeatures.base(order: o, tableSize: tableSize, vocabularySize: vocabularySize, word: word) : -1)
    }
  }

  /// The rows `indices` of `self`, in that order (a row may repeat).
  public func gathering(rows indices: UnsafeBufferPointer<Int32>) -> DirectRows {
    var result = self
    result.bases.removeAll(keepingCapacity: true)
    result.bases.reserveCapacity(indices.count * order)
    for index in indices { result.bases.append(contentsOf: bases[Int(index) * order..<(Int(index) + 1) * order]) }
    return result
  }

  /// Appends a row whose history words are given most recent first.
  public mutating func append(history: some RandomAccessCollection<Int32>) {
    let start = history.startIndex
    append(historyCount: history.count) { history[history.index(start, offsetBy: $0 - 1)] }
  }

  /// The rows of the real positions of `batch` (in `realPositions` order), each history read
  /// back along its lane: a history never reaches before the batch's first step.
  public mutating func append(realPositionsOf batch: Batch) {
    let width = batch.batchSize
    batch.inputs.withUnsafeBufferPointer { inputs in
      for p in batch.realPositions {
        let position = Int(p)
        let step = position / width
        append(historyCount: step + 1) { inputs[position - ($0 - 1) * width] }
      }
    }
  }
}
