/// A Kaldi read specifier (rspecifier) for a text table: `path`, `-` (stdin), `ark:path`,
/// `ark,t:path`, `ark,s,cs:path`, `ark,p:-`, `ark:command |` or `command |` (see `LineReader`
/// for the forms of a path). Options after `ark`: `p` (permissive: lines that are not valid
/// UTF-8 are skipped instead of stopping with an error), `s` (the keys are sorted; an unsorted
/// key is an error, as in Kaldi), and `t`, `o`, `cs`, `ns`, `no`, `np`, which only tune Kaldi's
/// random-access readers and change nothing for a table read in order. Binary archives (`b`)
/// and `scp:` are rejected. A specifier whose prefix before the first `:` is not `ark`/`scp`
/// (`C:x`, `a:b.txt`) is a plain path.
public struct TableSpecifier: Equatable, Sendable {
  /// File to read; `-` is standard input.
  public var path: String
  public var permissive = false
  public var sorted = false

  public init(path: String, permissive: Bool = false, sorted: Bool = false) {
    self.path = path
    self.permissive = permissive
    self.sorted = sorted
  }

  public init(parsing spec: String) throws {
    guard let colon = spec.firstIndex(of: ":") else {
      self.init(path: spec)
      return
    }
    let kind = spec[..<colon].split(separator: ",", omittingEmptySubsequences: false).map(
      String.init)
    guard let head = kind.first, head == "ark" || head == "scp" else {
      self.init(path: spec)
      return
    }
    if head == "scp" {
      throw InputError("'\(spec)': scp tables are not supported; give the text archive (ark:)")
    }
    let path = String(spec[spec.index(after: colon)...])
    if path.isEmpty { throw InputError("'\(spec)': no file name after '\(spec[...colon])'") }
    self.init(path: path)
    for option in kind.dropFirst() {
      switch option {
      case "p": permissive = true
      case "s": sorted = true
      case "t", "o", "cs", "ns", "no", "np": break
      case "b": throw InputError("'\(spec)': binary archives are not supported; text tables only")
      default: throw InputError("'\(spec)': unknown read option '\(option)'")
      }
    }
  }
}
