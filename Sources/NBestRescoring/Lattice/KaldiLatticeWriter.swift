import Foundation

/// Writes lattices in Kaldi's text archive form, the form `KaldiLatticeReader` reads and
/// `lattice-copy ark,t:- ark:-` turns back into binary: `key ` and a newline, the states in
/// OpenFst printer order (the start state first, then the others by number; each state's arcs,
/// then its final weight), tab-separated fields, a weight equal to One omitted (as OpenFst
/// prints it), an empty line after each lattice. A `compact` lattice is written as a
/// CompactLattice (`src dst word g,a,T`), a `plain` one as a Lattice (`src dst ilabel olabel g,a`).
///
/// Costs are written with up to 6 decimals, trailing zeros dropped (`formatCost`), which
/// reproduces lattice-dev's files byte for byte; Kaldi reads this as it reads its own `%g` output.
public enum KaldiLatticeWriter {
  /// The archive text of `lattices`.
  public static func text<S: Sequence>(of lattices: S) -> String where S.Element == Lattice {
    var out = ""
    for lattice in lattices { append(lattice, to: &out) }
    return out
  }

  /// Appends one lattice's archive entry to `out`.
  public static func append(_ lattice: Lattice, to out: inout String) {
    out += lattice.key
    out += " \n"
    if !lattice.isEmpty {
      let start = Int(lattice.start)
      appendState(start, of: lattice, to: &out)
      for state in 0..<lattice.stateCount where state != start { appendState(state, of: lattice, to: &out) }
    }
    out += "\n"
  }

  private static func appendState(_ state: Int, of lattice: Lattice, to out: inout String) {
    for arc in lattice.arcs(from: state) {
      out += "\(state)\t\(arc.target)\t"
      if lattice.kind == .plain { out += "\(arc.inputLabel)\t" }
      out += "\(arc.word)"
      appendWeight(arc.weight, alignment: arc.alignment, of: lattice, to: &out)
      out += "\n"
    }
    if let final = lattice.finals[state] {
      out += "\(state)"
      appendWeight(final.weight, alignment: final.alignment, of: lattice, to: &out)
      out += "\n"
    }
  }

  private static func appendWeight(
    _ weight: LatticeWeight, alignment: Range<Int32>, of lattice: Lattice, to out: inout String
  ) {
    if weight == .one && alignment.isEmpty { return }
    out += "\t" + formatCost(weight.graph) + "," + formatCost(weight.acoustic)
    if lattice.kind == .compact {
      out += ","
      out += lattice.transitionIDs(alignment).map(String.init).joined(separator: "_")
    }
  }

  /// A cost with up to 6 decimals, trailing zeros and a trailing point dropped (`0.5`, `12`,
  /// `-3.25`), `Infinity` for an impossible weight, never `-0`.
  public static func formatCost(_ value: Double) -> String {
    if value == .infinity { return "Infinity" }
    if value == -.infinity { return "-Infinity" }
    var text = String(format: "%.6f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }
}
