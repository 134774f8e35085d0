#if canImport(Glibc)
  import Glibc
#endif

/// Writes a file so that readers see either the old content or the complete new one:
/// data goes to a temporary file in the same directory, is fsync'ed, then renamed over the
/// destination (an `AtomicFileStream` written in one piece). Killing the process at any moment
/// never leaves a partial file under `path`.
public enum AtomicFileWriter {
  /// Writes `bytes` to `path` atomically. Write errors (disk full, permissions) throw.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    try write(pieces: [bytes], to: path)
  }

  /// Writes the concatenation of `pieces` to `path` atomically, each piece from where it lies.
  public static func write(pieces: [[UInt8]], to path: String) throws {
    let stream = try AtomicFileStream(path: path)
    for piece in pieces { try piece.withUnsafeBytes { try stream.write(contentsOf: $0) } }
    try stream.commit()
  }

  /// Writes UTF-8 `text` atomically.
  public static func write(text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }

  /// Puts the file at `existing` under the name `path` as well, atomically and without copying
  /// it: a hard link made under a temporary name next to `path` and renamed over it. Both
  /// names then share one file until either is replaced, which our writers only do by rename,
  /// so replacing one never changes the other. Returns false, leaving `path` untouched, where
  /// the file system cannot link (another device, no hard links): the caller writes instead.
  public static func publishLink(to existing: String, at path: String) throws -> Bool {
    let temporary = AtomicFileStream.temporaryPath(for: path)
    let (linked, linkError, registration) = AtomicFileStream.createRegistered(temporary) {
      link(existing, temporary)
    }
    defer { TemporaryFileRegistry.unregister(registration) }
    guard linked == 0 else {
      switch linkError {
      case EXDEV, EPERM, EMLINK, ENOTSUP: return false
      default: throw InputError("cannot link to \(existing): \(String(cString: strerror(linkError)))", file: path)
      }
    }
    try AtomicFileStream.rename(temporary, over: path)
    AtomicFileStream.syncDirectory(of: path)
    return true
  }
}
