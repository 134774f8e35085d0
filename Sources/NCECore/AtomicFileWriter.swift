import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a file so that readers see either the old content or the complete new one:
/// data goes to a temporary file in the same directory, is fsync'ed, then renamed over the
/// destination. Killing the process at any moment never leaves a partial file under `path`.
public enum AtomicFileWriter {
  /// Writes `bytes` to `path` atomically. Write errors (disk full, permissions) throw.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    // A random suffix keeps concurrent writers of the same path (threads of one process
    // included) on separate temporary files; O_EXCL refuses to reuse an existing one.
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let temporary = "\(directory)/.\(url.lastPathComponent).tmp.\(getpid()).\(suffix)"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw InputError("cannot create: \(String(cString: strerror(errno)))", file: path) }
    var failure: String?
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += n
      }
    }
    if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
    if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
    if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw InputError("write failed: \(failure)", file: path)
    }
    // Make the rename itself durable.
    let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
    if dirFD >= 0 {
      fsync(dirFD)
      close(dirFD)
    }
  }

  /// Writes UTF-8 `text` atomically.
  public static func write(text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }
}
