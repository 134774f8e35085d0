import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The rule that no run overwrites its own input: checked before any work, for every tool.
///
/// An output collides with an input when both name the same file: the same device and inode
/// when both exist (links and `./` spellings included), else the same absolute path once the
/// parent directory is resolved. Inputs that are not files (`-`, a Kaldi pipe `"cmd |"`) never
/// collide; Kaldi table prefixes (`ark:`, `ark,t:`, ...) are looked through.
public enum OutputOverlap {
  /// A file the run reads, with the option or argument that named it (for the message).
  public struct Input: Sendable {
    public var path: String
    public var name: String
    public init(_ path: String, name: String) {
      self.path = path
      self.name = name
    }
  }

  /// Throws an `InputError` naming the first output that is also an input.
  public static func refuse(outputs: [String], inputs: [Input]) throws {
    let readFiles = inputs.compactMap { input in filePath(of: input.path).map { (input, identity(of: $0)) } }
    for output in outputs {
      let written = identity(of: output)
      if let (input, _) = readFiles.first(where: { $0.1 == written }) {
        throw InputError(
          "output would overwrite the input \(input.name) '\(input.path)'; write it elsewhere", file: output)
      }
    }
  }

  /// The file a Kaldi rxfilename or table specifier reads, nil for stdin and pipes.
  public static func filePath(of specifier: String) -> String? {
    var path = specifier
    if let colon = path.firstIndex(of: ":") {
      let prefix = path[..<colon]
      let kinds = prefix.split(separator: ",").map(String.init)
      if let kind = kinds.first, ["ark", "scp"].contains(kind) { path = String(path[path.index(after: colon)...]) }
    }
    let trimmed = path.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty || trimmed == "-" || trimmed.hasSuffix("|") { return nil }
    return trimmed
  }

  enum Identity: Equatable {
    case inode(dev_t, ino_t)
    case path(String)
  }

  static func identity(of path: String) -> Identity {
    var status = stat()
    if stat(path, &status) == 0 { return .inode(status.st_dev, status.st_ino) }
    let url = URL(fileURLWithPath: path)
    let parent = url.deletingLastPathComponent().path
    var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    if realpath(parent, &resolved) != nil {
      return .path(String(cString: resolved) + "/" + url.lastPathComponent)
    }
    return .path(url.standardizedFileURL.path)
  }
}
