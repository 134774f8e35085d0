import FileIO

/// The weight of a lattice arc or final state: Kaldi's `LatticeWeight`, two costs (`-ln`, natural
/// log). `graph` is the graph cost (n-gram LM cost plus pronunciation, transition and insertion
/// costs), `acoustic` the unscaled acoustic cost. Kept in `Double` so that a text lattice written
/// back reproduces its decimals (Kaldi itself stores `Float`).
public struct LatticeWeight: Equatable, Sendable {
  public var graph: Double
  public var acoustic: Double

  public init(graph: Double, acoustic: Double) {
    self.graph = graph
    self.acoustic = acoustic
  }

  /// Kaldi's `One()`: both costs 0.
  public static let one = LatticeWeight(graph: 0, acoustic: 0)

  /// The cost under Kaldi's decision rule for LM weight `lmWeight` (score_kaldi.sh's LMWT):
  /// `graph + acoustic / lmWeight`, without the insertion penalty.
  @inlinable
  public func cost(lmWeight: Double) -> Double { graph + acoustic / lmWeight }
}

/// Which of Kaldi's two lattice types a lattice came from (and is written back as).
public enum LatticeKind: Sendable, Equatable {
  /// `CompactLattice`: an acceptor over words, each weight carrying the transition ids
  /// (`src dst word g,a,T`).
  case compact
  /// `Lattice`: a transducer from transition ids (input labels) to words (`src dst ilabel olabel g,a`).
  case plain
}

/// One arc of a lattice; its source is the state whose arc range holds it.
public struct LatticeArc: Equatable, Sendable {
  public var target: Int32
  /// The word id (the output label; 0 = epsilon: silence, fillers, `!NULL`).
  public var word: Int32
  /// The input label of a `plain` lattice (a transition id, 0 = epsilon); equals `word` in a
  /// `compact` one.
  public var inputLabel: Int32
  public var weight: LatticeWeight
  /// The arc's transition ids (`compact` lattices), a range of `Lattice.transitionIDs`.
  public var alignment: Range<Int32>
  /// The n-gram LM cost the file states for this arc (SLF `-l * ln(base)`, part of `graph`),
  /// nil when it states none (Kaldi archives, links without `l=`).
  public var languageModelCost: Double?

  public init(
    target: Int32, word: Int32, inputLabel: Int32? = nil, weight: LatticeWeight, alignment: Range<Int32> = 0..<0,
    languageModelCost: Double? = nil
  ) {
    self.target = target
    self.word = word
    self.inputLabel = inputLabel ?? word
    self.weight = weight
    self.alignment = alignment
    self.languageModelCost = languageModelCost
  }
}

/// The final weight of a final state, with its transition ids (`compact` lattices).
public struct LatticeFinal: Equatable, Sendable {
  public var weight: LatticeWeight
  public var alignment: Range<Int32>
  /// The n-gram LM cost of `</s>` the file states (SLF `l=` of the link into the end node),
  /// nil when it states none.
  public var languageModelCost: Double?

  public init(weight: LatticeWeight, alignment: Range<Int32> = 0..<0, languageModelCost: Double? = nil) {
    self.weight = weight
    self.alignment = alignment
    self.languageModelCost = languageModelCost
  }
}

/// One utterance's word lattice, the structure both lattice formats are read into (Kaldi text
/// archives, HTK SLF) and written from.
///
/// States are `0..<stateCount`; each state's outgoing arcs are stored contiguously in input order
/// (`arcs(from:)`), so iterating a state's arcs does not allocate. The lattice need not be
/// topologically sorted, connected or free of cycles: `LatticeTopology` checks and fixes that.
/// An empty lattice has no states and `start == -1`.
public struct Lattice: Sendable {
  /// The utterance id (the archive key, or the SLF `UTTERANCE=`).
  public var key: String
  public var kind: LatticeKind
  /// The start state, -1 when the lattice is empty.
  public var start: Int32
  /// `arcOffsets[s]..<arcOffsets[s + 1]` are the indices in `arcs` of the arcs leaving `s`.
  public private(set) var arcOffsets: [Int32]
  public private(set) var arcs: [LatticeArc]
  /// The final weight of each state, nil for a state that is not final.
  public var finals: [LatticeFinal?]
  /// The transition ids that arcs and final weights refer to by range.
  public var transitionIDs: [Int32]
  /// Time of each state in seconds (SLF `t=`), nil when unknown (Kaldi lattices).
  public var stateTimes: [Double]?
  /// Where the lattice was read from (file and the line of its key or header), for errors.
  public var sourceFile: String?
  public var sourceLine: Int?

  /// A lattice from arcs grouped by source state: `arcOffsets` has `finals.count + 1` entries,
  /// non-decreasing from 0 to `arcs.count`. Preconditions (the readers guarantee them): every
  /// target and the start are states (or the lattice is empty with start -1).
  public init(
    key: String, kind: LatticeKind, start: Int32, arcOffsets: [Int32], arcs: [LatticeArc], finals: [LatticeFinal?],
    transitionIDs: [Int32] = [], stateTimes: [Double]? = nil
  ) {
    precondition(arcOffsets.count == finals.count + 1 && arcOffsets.last.map(Int.init) == arcs.count)
    precondition(finals.isEmpty ? start == -1 : (start >= 0 && Int(start) < finals.count))
    precondition(stateTimes == nil || stateTimes!.count == finals.count)
    self.key = key
    self.kind = kind
    self.start = start
    self.arcOffsets = arcOffsets
    self.arcs = arcs
    self.finals = finals
    self.transitionIDs = transitionIDs
    self.stateTimes = stateTimes
  }

  public var stateCount: Int { finals.count }
  public var isEmpty: Bool { finals.isEmpty }

  /// The indices in `arcs` of the arcs leaving `state`.
  @inlinable
  public func arcIndices(from state: Int) -> Range<Int> { Int(arcOffsets[state])..<Int(arcOffsets[state + 1]) }

  /// The arcs leaving `state`, in input order.
  public func arcs(from state: Int) -> ArraySlice<LatticeArc> { arcs[arcIndices(from: state)] }

  /// The transition ids of `range` (an arc's or final's `alignment`).
  public func transitionIDs(_ range: Range<Int32>) -> ArraySlice<Int32> {
    transitionIDs[Int(range.lowerBound)..<Int(range.upperBound)]
  }

  /// An `InputError` about this lattice, located at its source when known.
  public func error(_ message: String) -> InputError {
    InputError("lattice '\(key)': \(message)", file: sourceFile, line: sourceLine)
  }
}

/// Collects arcs in any order and builds a `Lattice` with each state's arcs contiguous (a stable
/// counting sort by source: arcs of one state keep their insertion order).
public struct LatticeBuilder {
  public var key: String
  public var kind: LatticeKind
  private var sources: [Int32] = []
  private var pending: [LatticeArc] = []
  public private(set) var finals: [LatticeFinal?] = []
  public var transitionIDs: [Int32] = []

  public init(key: String, kind: LatticeKind) {
    self.key = key
    self.kind = kind
  }

  /// Number of states so far (one more than the highest state mentioned).
  public var stateCount: Int { finals.count }

  /// Makes sure states `0...state` exist.
  public mutating func addState(_ state: Int32) {
    if Int(state) >= finals.count {
      finals.append(contentsOf: repeatElement(nil, count: Int(state) + 1 - finals.count))
    }
  }

  public mutating func addArc(from source: Int32, _ arc: LatticeArc) {
    addState(max(source, arc.target))
    sources.append(source)
    pending.append(arc)
  }

  public mutating func setFinal(_ state: Int32, _ final: LatticeFinal?) {
    addState(state)
    finals[Int(state)] = final
  }

  /// Appends transition ids and returns their range.
  public mutating func appendTransitionIDs<C: Collection>(_ ids: C) -> Range<Int32> where C.Element == Int32 {
    let lower = Int32(transitionIDs.count)
    transitionIDs.append(contentsOf: ids)
    return lower..<Int32(transitionIDs.count)
  }

  /// The lattice; `start` must be a state, or -1 with no states.
  public func build(start: Int32, stateTimes: [Double]? = nil) -> Lattice {
    var offsets = [Int32](repeating: 0, count: finals.count + 1)
    for source in sources { offsets[Int(source) + 1] += 1 }
    for s in 0..<finals.count { offsets[s + 1] += offsets[s] }
    var next = offsets
    var ordered = [LatticeArc](
      repeating: LatticeArc(target: 0, word: 0, weight: .one), count: pending.count)
    for (source, arc) in zip(sources, pending) {
      ordered[Int(next[Int(source)])] = arc
      next[Int(source)] += 1
    }
    return Lattice(
      key: key, kind: kind, start: start, arcOffsets: offsets, arcs: ordered, finals: finals,
      transitionIDs: transitionIDs, stateTimes: stateTimes)
  }
}
