import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The rule that no run overwrites its own input: checked before any work, for every tool.
///
/// An output collides with an input when both name the same file: the same device and inode
/// when both exist (hard links, symbolic links and `./` spellings included), else the same
/// absolute path once the parent directory is resolved. Inputs that are not files (`-`, a
/// Kaldi pipe `"cmd |"`) never collide; Kaldi table prefixes (`ark:`, `ark,t:`, ...) are
/// looked through. An input directory (an N-best archive) stands for every file directly in
/// it, except the entries that are themselves outputs of the run (a rerun that writes its
/// tables into the archive directory replaces its own previous tables, not an input).
public enum OutputOverlap {
  /// A file the run reads, with the option or argument that named it (for the message).
  public struct Input: Sendable {
    public var path: String
    public var name: String
    /// Whether `path` is a directory whose files the run reads.
    public var isDirectory: Bool

    public init(_ path: String, name: String) {
      self.path = path
      self.name = name
      isDirectory = false
    }

    /// The files directly in `path` (a directory; a regular file stands for itself).
    public static func directory(_ path: String, name: String) -> Input {
      var input = Input(path, name: name)
      var status = stat()
      input.isDirectory = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
      return input
    }
  }

  /// Throws an `InputError` naming the first output that is also an input, and the input.
  public static func refuse(outputs: [String], inputs: [Input]) throws {
    let written = outputs.map { (path: $0, identity: identity(of: $0)) }
    let writtenEntries = Set(outputs.compactMap(entry(of:)))
    var readFiles: [(input: Input, path: String, identity: Identity)] = []
    for input in inputs {
      guard let path = filePath(of: input.path) else { continue }
      if !input.isDirectory {
        readFiles.append((input, path, identity(of: path)))
        continue
      }
      let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      for name in names.sorted() where !name.hasPrefix(".") {
        let file = (path as NSString).appendingPathComponent(name)
        var status = stat()
        guard stat(file, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
        if let entry = entry(of: file), writtenEntries.contains(entry) { continue }
        readFiles.append((input, file, .inode(status.st_dev, status.st_ino)))
      }
    }
    // The first input reading each file, by identity: O(inputs + outputs) for large directories.
    var readers: [Identity: Int] = [:]
    for (index, file) in readFiles.enumerated() where readers[file.identity] == nil { readers[file.identity] = index }
    for output in written {
      if let index = readers[output.identity] {
        let read = readFiles[index]
        let what =
          read.input.isDirectory
          ? "'\(read.path)' (in \(read.input.name) '\(read.input.path)')" : "\(read.input.name) '\(read.input.path)'"
        throw InputError("output would overwrite the input \(what); write it elsewhere", file: output.path)
      }
    }
  }

  /// Throws when standard output is a regular file that is one of `inputs`: `rnnlm-score
  /// --text t >> t` would read its own output, and with `> t` the shell has already emptied it.
  public static func refuseStandardOutput(inputs: [Input]) throws {
    var status = stat()
    guard fstat(STDOUT_FILENO, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return }
    let written = Identity.inode(status.st_dev, status.st_ino)
    for input in inputs {
      guard let path = filePath(of: input.path), identity(of: path) == written else { continue }
      throw InputError(
        "output would overwrite the input \(input.name) '\(input.path)'; write it elsewhere", file: "standard output")
    }
  }

  /// The file a Kaldi rxfilename or table specifier reads, nil for stdin and pipes.
  /// The `ark...:` prefix is read by `TableSpecifier`; a specifier it refuses is taken as a path.
  public static func filePath(of specifier: String) -> String? {
    let path = (try? TableSpecifier(parsing: specifier))?.path ?? specifier
    let trimmed = path.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty || trimmed == "-" || trimmed.hasSuffix("|") { return nil }
    return trimmed
  }

  enum Identity: Hashable {
    case inode(dev_t, ino_t)
    case path(String)
  }

  /// A directory entry: its directory's device and inode, and its name.
  struct Entry: Hashable {
    var device: UInt64
    var inode: UInt64
    var name: String
  }

  static func entry(of path: String) -> Entry? {
    let url = URL(fileURLWithPath: path)
    var status = stat()
    guard stat(url.deletingLastPathComponent().path, &status) == 0 else { return nil }
    return Entry(device: UInt64(status.st_dev), inode: UInt64(status.st_ino), name: url.lastPathComponent)
  }

  static func identity(of path: String) -> Identity {
    var status = stat()
    if stat(path, &status) == 0 { return .inode(status.st_dev, status.st_ino) }
    let url = URL(fileURLWithPath: path)
    let parent = url.deletingLastPathComponent().path
    if let resolved = realpath(parent, nil) {
      defer { free(resolved) }
      return .path(String(cString: resolved) + "/" + url.lastPathComponent)
    }
    return .path(url.standardizedFileURL.path)
  }
}
