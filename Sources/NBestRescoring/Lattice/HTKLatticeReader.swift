import FileIO
import Foundation

/// The header values of an HTK SLF lattice that the costs depend on.
public struct HTKLatticeHeader: Equatable, Sendable {
  /// `UTTERANCE=`, nil when absent.
  public var utterance: String?
  /// `lmscale=` (HTK's default 1): the LM weight the lattice's producer used.
  public var lmScale: Double = 1
  /// `wdpenalty=` (default 0): log-likelihood added per word (in the file's log base).
  public var wordPenalty: Double = 0
  /// `acscale=` (default 1).
  public var acousticScale: Double = 1
  /// `base=` (default e): the log base of `a=`, `l=` and `wdpenalty=`.
  public var logBase: Double = M_E

  public init(utterance: String? = nil, lmScale: Double = 1, wordPenalty: Double = 0) {
    self.utterance = utterance
    self.lmScale = lmScale
    self.wordPenalty = wordPenalty
  }

  /// The insertion cost per word in Kaldi's units (nats of graph cost, LM weight 1):
  /// `-wdpenalty * ln(base) / lmscale`.
  public var wordPenaltyCost: Double { -wordPenalty * Foundation.log(logBase) / lmScale }
}

/// Reads one HTK SLF v1.0 lattice (`.lat`, `.lat.gz`, any `LineReader` path) into a `Lattice`,
/// mapping words to ids through a `SymbolTable`.
///
/// Syntax: `name=value` fields separated by spaces or tabs (a value may be quoted with `"`);
/// `#` starts a comment line. Header fields (`VERSION`/`V`, `UTTERANCE`/`U`, `lmscale`,
/// `wdpenalty`, `acscale`, `base`, `start`, `end`; others ignored) come before the size line
/// `N=`/`NODES=` `L=`/`LINKS=`; then nodes `I=n [t=time] [W=word]` and links `J=k S=from E=to
/// [W=word] [a=acoustic] [l=language]` (long names `time`, `WORD`, `START`, `END`, `acoustic`,
/// `language` too; other node and link fields such as `v=`, `d=`, `p=`, `r=` are ignored).
/// Exactly N nodes and L links, ids in range and unique.
///
/// Costs (`s = ln(base)`, `lmscale`, `wdpenalty`, `acscale` from the header, defaults 1, 0, 1):
/// a link's `acoustic = -acscale * a * s` and `graph = -l * s + wordPenaltyCost` for a link that
/// carries a word or ends in `!SENT_END` (HTK's penalised links; `wordPenaltyCost = -wdpenalty *
/// s / lmscale`), `-l * s` otherwise. Then `graph + acoustic / lmscale` ranks paths exactly as
/// HTK's `acscale*a + lmscale*l + wdpenalty` does (divided by `-lmscale`). The `l=` part alone,
/// `-l * s`, is kept as the arc's (or final's) `languageModelCost` (the old LM cost rescoring
/// removes).
///
/// HTK dialect: a link's word is its own `W=` or else its end node's (`!NULL` = epsilon;
/// `!SENT_START`, `!SENT_END`, `<s>`, `</s>` are sentence markers, epsilon too). Start: `start=`,
/// else the `!SENT_START` node, else the first node without incoming links. End: `end=`, else the
/// `!SENT_END` node, else every node without outgoing links. When the end is a single node without
/// outgoing links and no state has two links into it, it is folded away as Kaldi stores it: each
/// link into it becomes its source's final weight (so SLF node i is Kaldi state i); otherwise the
/// end nodes are final with weight One.
///
/// PocketSphinx dialect (`ps_lattice_write_htk`): words sit on nodes at their start time, a
/// link S->E is S's word segment, so its word is S's (`!NULL` (fillers and silence), `!SENT_START`,
/// `!SENT_END`, and, as older writers spell them, `<s>`, `</s>`, `<sil>`, `[...]`, `++...++` are
/// epsilon) and its `a=` S's acoustic score (natural log); `v=` and `p=` are skipped; no `l=` (graph costs 0 plus
/// any word penalty: the n-gram costs must come from an LM); `start=`/`end=` name the start and
/// final node (weight One: the `</s>` segment is not scored). `.automatic` picks this dialect
/// when the header has `start=` or `end=` and no link has `l=`.
public enum HTKLatticeReader {
  public enum Dialect: Sendable { case automatic, htk, pocketSphinx }

  struct Node {
    var word: String?
    var time: Double?
    var line: Int
  }

  struct Link {
    var source: Int
    var target: Int
    var word: String?
    var acoustic: Double
    var language: Double?
    var line: Int
  }

  /// Reads the lattice at `path`. Its key is `UTTERANCE=`, or the file name without `.lat` and
  /// compression suffixes. Every error is one `InputError` naming the file and line.
  public static func read(path: String, symbols: SymbolTable, dialect: Dialect = .automatic) throws -> (
    lattice: Lattice, header: HTKLatticeHeader
  ) {
    let lines = try LineReader(path: path)
    var header = HTKLatticeHeader()
    var startNode: Int?
    var endNode: Int?
    var nodeCount: Int?
    var linkCount: Int?
    // Collected as read and placed by id at the end, so a corrupt N= or L= allocates nothing.
    var readNodes: [(id: Int, node: Node)] = []
    var readLinks: [(id: Int, link: Link)] = []
    var headerLine = 0

    func number(_ value: Substring, _ name: Substring) throws -> Double {
      guard let number = Double(value), number.isFinite else {
        throw lines.error("'\(name)=' is not a finite number: '\(value)'")
      }
      return number
    }
    func index(_ value: Substring, _ name: Substring, below bound: Int?) throws -> Int {
      guard let index = Int(value), index >= 0 else {
        throw lines.error("'\(name)=' is not a non-negative integer: '\(value)'")
      }
      if let bound, index >= bound { throw lines.error("'\(name)=\(index)' is out of range (\(bound) declared)") }
      return index
    }

    while let line = try lines.nextLine() {
      let trimmed = WhitespaceTokenizer.trimmed(line)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      var fields: [(name: Substring, value: Substring)] = []
      for token in WhitespaceTokenizer.tokens(of: line) {
        guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
          throw lines.error("expected name=value, found '\(token)'")
        }
        var value = token[token.index(after: equals)...]
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
        fields.append((token[..<equals], value))
      }
      let first = fields[0].name
      if first == "I" {
        guard let nodeCount else { throw lines.error("node before the size line (N= L=)") }
        var node = Node(line: lines.lineNumber)
        var id: Int?
        for (name, value) in fields {
          switch name {
          case "I": id = try index(value, name, below: nodeCount)
          case "t", "time": node.time = try number(value, name)
          case "W", "WORD": node.word = String(value)
          default: break
          }
        }
        readNodes.append((id!, node))
      } else if first == "J" {
        guard let linkCount, let nodeCount else { throw lines.error("link before the size line (N= L=)") }
        var id: Int?
        var source: Int?
        var target: Int?
        var word: String?
        var acoustic = 0.0
        var language: Double?
        for (name, value) in fields {
          switch name {
          case "J": id = try index(value, name, below: linkCount)
          case "S", "START": source = try index(value, name, below: nodeCount)
          case "E", "END": target = try index(value, name, below: nodeCount)
          case "W", "WORD": word = String(value)
          case "a", "acoustic": acoustic = try number(value, name)
          case "l", "language": language = try number(value, name)
          default: break
          }
        }
        guard let source, let target else { throw lines.error("link without S= and E=") }
        readLinks.append(
          (
            id!,
            Link(
              source: source, target: target, word: word, acoustic: acoustic, language: language, line: lines.lineNumber
            )
          ))
      } else {
        if nodeCount != nil { throw lines.error("header field '\(first)=' after the size line") }
        if headerLine == 0 { headerLine = lines.lineNumber }
        for (name, value) in fields {
          switch name {
          case "VERSION", "V":
            if !value.hasPrefix("1.") { throw lines.error("SLF version '\(value)' is not supported (1.0 is)") }
          case "UTTERANCE", "U": header.utterance = String(value)
          case "lmscale":
            header.lmScale = try number(value, name)
            if header.lmScale <= 0 { throw lines.error("lmscale must be positive, found '\(value)'") }
          case "wdpenalty": header.wordPenalty = try number(value, name)
          case "acscale": header.acousticScale = try number(value, name)
          case "base":
            header.logBase = try number(value, name)
            if header.logBase <= 0 || header.logBase == 1 {
              throw lines.error("log base must be positive and not 1, found '\(value)'")
            }
          case "start": startNode = try index(value, name, below: nil)
          case "end": endNode = try index(value, name, below: nil)
          case "N", "NODES": nodeCount = try index(value, name, below: 1 << 26)
          case "L", "LINKS": linkCount = try index(value, name, below: 1 << 28)
          default: break
          }
        }
        if (nodeCount == nil) != (linkCount == nil) { throw lines.error("the size line needs both N= and L=") }
        if nodeCount == 0 { throw lines.error("a lattice needs at least one node (N=0)") }
      }
    }
    guard let nodeCount, let linkCount else {
      throw InputError("no size line (N= L=)", file: path, line: lines.lineNumber)
    }
    if readNodes.count != nodeCount || readLinks.count != linkCount {
      throw InputError(
        "declares \(nodeCount) nodes and \(linkCount) links but defines \(readNodes.count) and \(readLinks.count)",
        file: path, line: lines.lineNumber)
    }
    var nodes = [Node?](repeating: nil, count: nodeCount)
    for (id, node) in readNodes {
      if nodes[id] != nil { throw InputError("node \(id) is defined twice", file: path, line: node.line) }
      nodes[id] = node
    }
    var links = [Link?](repeating: nil, count: linkCount)
    for (id, link) in readLinks {
      if links[id] != nil { throw InputError("link \(id) is defined twice", file: path, line: link.line) }
      links[id] = link
    }
    for bound in [startNode, endNode] {
      if let bound, bound >= nodeCount {
        throw InputError("start=/end= node \(bound) is out of range (N=\(nodeCount))", file: path, line: headerLine)
      }
    }
    let allNodes = nodes.map { $0! }
    let allLinks = links.map { $0! }
    let isPocketSphinx: Bool
    switch dialect {
    case .htk: isPocketSphinx = false
    case .pocketSphinx: isPocketSphinx = true
    case .automatic: isPocketSphinx = (startNode != nil || endNode != nil) && allLinks.allSatisfy { $0.language == nil }
    }
    let key = header.utterance ?? Self.key(fromPath: path)
    var lattice =
      isPocketSphinx
      ? try pocketSphinxLattice(allNodes, allLinks, header, start: startNode, end: endNode, key: key, symbols, path)
      : try htkLattice(allNodes, allLinks, header, start: startNode, end: endNode, key: key, symbols, path)
    lattice.sourceFile = path
    lattice.sourceLine = max(headerLine, 1)
    return (lattice, header)
  }

  /// The file name without directories, `.gz`/`.zst` and `.lat`/`.slf`.
  static func key(fromPath path: String) -> String {
    var name = fileName(ofPath: path)
    for suffix in [".lat", ".slf"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
    return String(name)
  }

  /// The file name of `path` without directories and without a `.gz`/`.zst` suffix (the name of
  /// the text the reader decompresses).
  static func fileName(ofPath path: String) -> Substring {
    var name = Substring((path as NSString).lastPathComponent)
    for suffix in [".gz", ".zst"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
    return name
  }

  static let sentenceMarkers: Set<String> = ["!NULL", "!SENT_START", "!SENT_END", "<s>", "</s>"]

  private static func wordID(
    _ word: String?, _ symbols: SymbolTable, epsilon: (String) -> Bool, file: String, line: Int
  )
    throws -> Int32
  {
    guard let word, !epsilon(word) else { return 0 }
    guard let id = symbols.id(of: word) else {
      throw InputError("word '\(word)' is not in the symbol table", file: file, line: line)
    }
    return id
  }

  private static func htkLattice(
    _ nodes: [Node], _ links: [Link], _ header: HTKLatticeHeader, start: Int?, end: Int?, key: String,
    _ symbols: SymbolTable, _ file: String
  ) throws -> Lattice {
    let scale = Foundation.log(header.logBase)
    var incoming = [Int](repeating: 0, count: nodes.count)
    var outgoing = incoming
    for link in links {
      incoming[link.target] += 1
      outgoing[link.source] += 1
    }
    guard
      let start = start ?? nodes.firstIndex(where: { $0.word == "!SENT_START" })
        ?? incoming.firstIndex(of: 0)
    else { throw InputError("no start node: every node has incoming links", file: file, line: nodes[0].line) }
    let ends: [Int] =
      end.map { [$0] } ?? nodes.firstIndex(where: { $0.word == "!SENT_END" }).map { [$0] }
      ?? outgoing.indices.filter { outgoing[$0] == 0 }
    var foldedEnd: Int?
    if ends.count == 1, let end = ends.first, end != start, outgoing[end] == 0,
      nodes[end].word.map(sentenceMarkers.contains) ?? true
    {
      var sources = Set<Int>()
      let foldable = links.allSatisfy { link in
        link.target != end
          || (sources.insert(link.source).inserted && (link.word == nil || sentenceMarkers.contains(link.word!)))
      }
      if foldable { foldedEnd = end }
    }
    func state(_ node: Int) -> Int32 { Int32(foldedEnd.map { node > $0 ? node - 1 : node } ?? node) }

    var builder = LatticeBuilder(key: key, kind: .compact)
    builder.addState(Int32(nodes.count - (foldedEnd == nil ? 1 : 2)))
    for link in links {
      let label = link.word ?? nodes[link.target].word ?? "!NULL"
      let word = try wordID(label, symbols, epsilon: sentenceMarkers.contains, file: file, line: link.line)
      var weight = LatticeWeight(
        graph: -(link.language ?? 0) * scale, acoustic: -header.acousticScale * link.acoustic * scale)
      if label != "!NULL" { weight.graph += header.wordPenaltyCost }
      let languageModelCost = link.language.map { -$0 * scale }
      if link.target == foldedEnd {
        builder.setFinal(
          state(link.source), LatticeFinal(weight: weight, languageModelCost: languageModelCost))
      } else {
        builder.addArc(
          from: state(link.source),
          LatticeArc(
            target: state(link.target), word: word, weight: weight, languageModelCost: languageModelCost))
      }
    }
    if foldedEnd == nil {
      for end in ends { builder.setFinal(state(end), LatticeFinal(weight: .one)) }
    }
    return builder.build(start: state(start), stateTimes: times(nodes, dropping: foldedEnd))
  }

  private static func pocketSphinxLattice(
    _ nodes: [Node], _ links: [Link], _ header: HTKLatticeHeader, start: Int?, end: Int?, key: String,
    _ symbols: SymbolTable, _ file: String
  ) throws -> Lattice {
    let scale = Foundation.log(header.logBase)
    func isEpsilon(_ word: String) -> Bool {
      ["!NULL", "!SENT_START", "!SENT_END", "<s>", "</s>", "<sil>"].contains(word)
        || (word.hasPrefix("[") && word.hasSuffix("]"))
        || (word.count >= 4 && word.hasPrefix("++") && word.hasSuffix("++"))
    }
    var incoming = [Int](repeating: 0, count: nodes.count)
    var outgoing = incoming
    for link in links {
      incoming[link.target] += 1
      outgoing[link.source] += 1
    }
    guard let start = start ?? incoming.firstIndex(of: 0) else {
      throw InputError("no start node: every node has incoming links", file: file, line: nodes[0].line)
    }
    let ends = end.map { [$0] } ?? outgoing.indices.filter { outgoing[$0] == 0 }
    var builder = LatticeBuilder(key: key, kind: .compact)
    builder.addState(Int32(nodes.count - 1))
    for link in links {
      let label = link.word ?? nodes[link.source].word ?? "!NULL"
      let word = try wordID(label, symbols, epsilon: isEpsilon, file: file, line: link.line)
      var weight = LatticeWeight(
        graph: -(link.language ?? 0) * scale, acoustic: -header.acousticScale * link.acoustic * scale)
      if word != 0 { weight.graph += header.wordPenaltyCost }
      builder.addArc(
        from: Int32(link.source),
        LatticeArc(
          target: Int32(link.target), word: word, weight: weight, languageModelCost: link.language.map { -$0 * scale }))
    }
    for end in ends { builder.setFinal(Int32(end), LatticeFinal(weight: .one)) }
    return builder.build(start: Int32(start), stateTimes: times(nodes, dropping: nil))
  }

  private static func times(_ nodes: [Node], dropping dropped: Int?) -> [Double]? {
    var times: [Double] = []
    for (index, node) in nodes.enumerated() where index != dropped {
      guard let time = node.time else { return nil }
      times.append(time)
    }
    return times
  }
}
