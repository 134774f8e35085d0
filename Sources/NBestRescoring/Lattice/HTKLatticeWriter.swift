import FileIO
import Foundation

/// Writes a `Lattice` as HTK SLF v1.0 (HTK dialect, natural-log scores), the inverse of
/// `HTKLatticeReader` for the costs:
/// header `VERSION=1.0`, `UTTERANCE=<key>`, `lmscale=`, `wdpenalty=` (from `header`),
/// `acscale=1.0`, `N= L=`; node i = state i, and one extra last node `!SENT_END` that every final
/// state links into (`a=-final acoustic`, `l=` its LM part). A link's `a = -acoustic` and
/// `l = -(graph - wordPenaltyCost)` for a link with a word (or into `!SENT_END`), `-graph` for an
/// epsilon link: reading it back with the same header restores the costs (to the 6 written decimals).
///
/// Words go on nodes (HTK's usual form: `W=` of the node the links end in, `!NULL` for epsilon,
/// `!SENT_START` on a start without incoming arcs) when all arcs into each state carry the same
/// word; otherwise on the links (`W=` on each word link, nodes `!NULL`). Node times `t=` are
/// written when the lattice has them (`!SENT_END` gets the latest). Transition ids and input
/// labels are not representable in SLF and are dropped. A word id missing from `symbols` is an
/// `InputError` naming the lattice.
public enum HTKLatticeWriter {
  public static func text(of lattice: Lattice, header: HTKLatticeHeader, symbols: SymbolTable) throws -> String {
    let penalty = header.wordPenaltyCost
    let endNode = lattice.stateCount
    var nodeWord = [Int32?](repeating: nil, count: lattice.stateCount)
    var wordsOnNodes = true
    for arc in lattice.arcs {
      let target = Int(arc.target)
      if let word = nodeWord[target], word != arc.word { wordsOnNodes = false }
      nodeWord[target] = arc.word
    }
    func name(_ word: Int32) throws -> String {
      if word == 0 { return "!NULL" }
      guard let name = symbols.word(of: word) else { throw lattice.error("word id \(word) is not in the symbol table") }
      return name
    }
    let finalStates = (0..<lattice.stateCount).filter { lattice.finals[$0] != nil }
    var out = "VERSION=1.0\nUTTERANCE=\(lattice.key)\n"
    out += "lmscale=\(KaldiLatticeWriter.formatCost(header.lmScale))\n"
    out += "wdpenalty=\(KaldiLatticeWriter.formatCost(header.wordPenalty))\nacscale=1.0\n"
    out += "N=\(lattice.stateCount + 1)\tL=\(lattice.arcs.count + finalStates.count)\n"
    let times = lattice.stateTimes
    func time(_ value: Double) -> String { "\tt=" + String(format: "%.2f", value) }
    for state in 0..<lattice.stateCount {
      out += "I=\(state)"
      if let times { out += time(times[state]) }
      let word: String
      if let incoming = nodeWord[state] {
        word = wordsOnNodes ? try name(incoming) : "!NULL"
      } else {
        word = state == Int(lattice.start) ? "!SENT_START" : "!NULL"
      }
      out += "\tW=\(word)\n"
    }
    out += "I=\(endNode)"
    if let times { out += time(times.max() ?? 0) }
    out += "\tW=!SENT_END\n"
    var linkID = 0
    func link(_ source: Int, _ target: Int, _ weight: LatticeWeight, penalised: Bool, word: String?) {
      let language = -(weight.graph - (penalised ? penalty : 0))
      out += "J=\(linkID)\tS=\(source)\tE=\(target)"
      if let word { out += "\tW=\(word)" }
      out += "\ta=\(KaldiLatticeWriter.formatCost(-weight.acoustic))\tl=\(KaldiLatticeWriter.formatCost(language))\n"
      linkID += 1
    }
    for state in 0..<lattice.stateCount {
      for arc in lattice.arcs(from: state) {
        let word = wordsOnNodes || arc.word == 0 ? nil : try name(arc.word)
        link(state, Int(arc.target), arc.weight, penalised: arc.word != 0, word: word)
      }
    }
    for state in finalStates {
      link(state, endNode, lattice.finals[state]!.weight, penalised: true, word: nil)
    }
    return out
  }
}
