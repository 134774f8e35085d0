import NCECore

/// A `lmwt.rnn` table written by an earlier run (`key cost`, keys `<utt-id>-<rank>`), read back
/// so that a sweep can reuse the RNN costs of several jobs without the model.
public struct RNNCostTable: Sendable {
  public let path: String
  private let costs: [String: Double]

  /// Reads `path` (plain, `.gz` or `.zst`). A repeated key or a bad cost is an `InputError`
  /// naming the file and line.
  public init(path: String) throws {
    let reader = try KaldiTableLineReader(path: path)
    var costs: [String: Double] = [:]
    while let (key, cost) = try reader.nextCost(what: "RNN cost") {
      guard costs.updateValue(cost, forKey: String(key)) == nil else {
        throw InputError("duplicate key '\(key)'", file: path, line: reader.lineNumber)
      }
    }
    self.path = path
    self.costs = costs
  }

  public var count: Int { costs.count }

  /// Sets `rnnCost` of every hypothesis of `list` (no per-word costs: only log-linear
  /// interpolation can use them). A hypothesis missing from the table is an `InputError`.
  public func apply(to list: inout NBestList) throws {
    for index in list.hypotheses.indices {
      let key = list.key(of: index)
      guard let cost = costs[key] else { throw InputError("no RNN cost for hypothesis '\(key)'", file: path) }
      list.hypotheses[index].rnnCost = cost
      list.hypotheses[index].rnnWordCosts = nil
    }
  }
}
