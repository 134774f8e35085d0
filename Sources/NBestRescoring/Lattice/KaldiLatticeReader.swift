import FileIO

/// Streams the lattices of a Kaldi text archive one at a time, as `lattice-copy ark:- ark,t:-`
/// prints them (CompactLattice with `--write-compact=true`, the default, or Lattice with `false`).
///
/// Input: any rspecifier the project's table reader takes (`TableSpecifier`: `ark:`, `ark,t:`,
/// `ark,s:` (sorted keys checked), `ark,p:`, plain, `.gz`, `.zst`, `-`, and a Kaldi pipe such as
/// `"ark:gunzip -c lat.1.gz | lattice-copy ark:- ark,t:- |"`), read by `LineReader`.
/// Layout of one lattice: a line holding only the key (Kaldi writes `key ` then a newline); one
/// line per arc and per final state, fields separated by tabs or spaces; a blank line (or the end
/// of the input) ends the lattice. Blank lines before a key are skipped.
/// - CompactLattice arc `src dst word g,a,T` (`T` the transition ids joined by `_`, often empty),
///   final `s g,a,T`; Lattice arc `src dst ilabel olabel g,a`, final `s g,a`. A weight equal to
///   One is omitted by OpenFst's printer (`src dst word`, `src dst ilabel olabel`, `s`); both are read.
/// - The start state is the source of the lattice's first line (OpenFst's text rule); states are
///   `0...max id`. Costs: decimals, exponents, `inf`/`Infinity`; NaN and `-inf` are refused.
/// Every malformed line, a repeated final line, a line of the other lattice type, a repeated key,
/// or a state id beyond twice the lattice's line count (ids must stay dense) is one `InputError`
/// naming the file and line.
public final class KaldiLatticeReader {
  public let specifier: TableSpecifier
  private let lines: LineReader
  private var previousKey: String?
  private var seenKeys: Set<String> = []
  /// The type of the last lattice, for lattices whose lines do not say (only `s` finals).
  private var lastKind = LatticeKind.compact

  public init(_ specifier: TableSpecifier) throws {
    self.specifier = specifier
    lines = try LineReader(path: specifier.path, skippingInvalidUTF8: specifier.permissive)
  }

  /// Opens the archive named by a Kaldi rspecifier.
  public convenience init(rspecifier: String) throws {
    try self.init(TableSpecifier(parsing: rspecifier))
  }

  /// The file read, as named in errors.
  public var path: String { specifier.path }

  /// Reads every lattice (for small archives and tests; a tool streams with `next()`).
  public func readAll() throws -> [Lattice] {
    var result: [Lattice] = []
    while let lattice = try next() { result.append(lattice) }
    return result
  }

  /// The next lattice, nil at the end of the archive.
  public func next() throws -> Lattice? {
    var keyLine: String?
    while let line = try lines.nextLine() {
      if !WhitespaceTokenizer.isBlank(line) {
        keyLine = line
        break
      }
    }
    guard let keyLine else { return nil }
    let keyFields = WhitespaceTokenizer.tokens(of: keyLine)
    let key = String(keyFields[0])
    if keyFields.count > 1 {
      throw lines.error("expected a line holding only the lattice key, found '\(WhitespaceTokenizer.trimmed(keyLine))'")
    }
    if specifier.sorted, let previousKey, key.utf8.lexicographicallyPrecedes(previousKey.utf8) {
      throw lines.error("key '\(key)' comes after '\(previousKey)' but the archive was declared sorted (ark,s:)")
    }
    if !seenKeys.insert(key).inserted { throw lines.error("lattice key '\(key)' appears twice") }
    previousKey = key
    let keyLineNumber = lines.lineNumber

    var builder = LatticeBuilder(key: key, kind: lastKind)
    var kind: LatticeKind?
    var start: Int32 = -1
    var lineCount = 0
    var maxState: Int32 = -1
    // Kept aside until the ids are known to be dense, so a corrupt id cannot allocate gigabytes.
    var arcs: [(source: Int32, arc: LatticeArc)] = []
    var finals: [(state: Int32, final: LatticeFinal)] = []
    var finalStates: Set<Int32> = []
    while let line = try lines.nextLine() {
      let fields = WhitespaceTokenizer.tokens(of: line)
      if fields.isEmpty { break }
      lineCount += 1
      let source = try state(fields[0])
      if start < 0 { start = source }
      maxState = max(maxState, source)
      switch fields.count {
      case 1, 2:
        if !finalStates.insert(source).inserted { throw lines.error("state \(source) has a second final weight") }
        var final = LatticeFinal(weight: .one)
        if fields.count == 2 {
          let parsed = try weight(fields[1], kind: &kind, builder: &builder)
          final = LatticeFinal(weight: parsed.weight, alignment: parsed.alignment)
        }
        finals.append((source, final))
      case 3...5:
        let target = try state(fields[1])
        maxState = max(maxState, target)
        let hasInputLabel = fields.count == 5 || (fields.count == 4 && !fields[3].contains(","))
        try expect(hasInputLabel ? .plain : .compact, &kind)
        let word = try label(fields[hasInputLabel ? 3 : 2], what: "word id")
        let inputLabel = hasInputLabel ? try label(fields[2], what: "input label") : word
        var arc = LatticeArc(target: target, word: word, inputLabel: inputLabel, weight: .one)
        if fields.count == (hasInputLabel ? 5 : 4) {
          let parsed = try weight(fields[fields.count - 1], kind: &kind, builder: &builder)
          arc.weight = parsed.weight
          arc.alignment = parsed.alignment
        }
        arcs.append((source, arc))
      default:
        throw lines.error("expected an arc or a final state, found \(fields.count) fields")
      }
    }
    if Int(maxState) >= 2 * lineCount + 2 {
      throw InputError(
        "lattice '\(key)': state id \(maxState) is beyond the \(lineCount) lines of the lattice (ids must be dense)",
        file: path, line: keyLineNumber)
    }
    for (source, arc) in arcs { builder.addArc(from: source, arc) }
    for (state, final) in finals { builder.setFinal(state, final) }
    if let kind { lastKind = kind }
    builder.kind = kind ?? lastKind
    var lattice = builder.build(start: start)
    lattice.sourceFile = path
    lattice.sourceLine = keyLineNumber
    return lattice
  }

  private func state(_ field: Substring) throws -> Int32 {
    guard let id = Int32(field), id >= 0 else {
      throw lines.error("state id is not a non-negative integer: '\(field)'")
    }
    return id
  }

  private func label(_ field: Substring, what: String) throws -> Int32 {
    guard let id = Int32(field), id >= 0 else { throw lines.error("\(what) is not a non-negative integer: '\(field)'") }
    return id
  }

  private func expect(_ lineKind: LatticeKind, _ kind: inout LatticeKind?) throws {
    if let kind, kind != lineKind {
      throw lines.error(
        kind == .compact
          ? "a Lattice line (src dst ilabel olabel g,a) inside a CompactLattice"
          : "a CompactLattice line (src dst word g,a,T) inside a Lattice")
    }
    kind = lineKind
  }

  /// `g,a,T` (compact) or `g,a` (plain).
  private func weight(_ field: Substring, kind: inout LatticeKind?, builder: inout LatticeBuilder) throws
    -> (weight: LatticeWeight, alignment: Range<Int32>)
  {
    let parts = field.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 3 else {
      throw lines.error("expected a weight 'graph,acoustic' or 'graph,acoustic,transition-ids', found '\(field)'")
    }
    try expect(parts.count == 3 ? .compact : .plain, &kind)
    let graph = try CostParsing.cost(parts[0], what: "graph cost", file: path, line: lines.lineNumber)
    let acoustic = try CostParsing.cost(parts[1], what: "acoustic cost", file: path, line: lines.lineNumber)
    var alignment: Range<Int32> = 0..<0
    if parts.count == 3, !parts[2].isEmpty {
      var ids: [Int32] = []
      for part in parts[2].split(separator: "_", omittingEmptySubsequences: false) {
        guard let id = Int32(part), id >= 0 else {
          throw lines.error("transition id is not a non-negative integer: '\(part)'")
        }
        ids.append(id)
      }
      alignment = builder.appendTransitionIDs(ids)
    }
    return (LatticeWeight(graph: graph, acoustic: acoustic), alignment)
  }
}
