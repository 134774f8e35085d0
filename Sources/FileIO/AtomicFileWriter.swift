/// Writes a file so that readers see either the old content or the complete new one:
/// data goes to a temporary file in the same directory, is fsync'ed, then renamed over the
/// destination (an `AtomicFileStream` written in one piece). Killing the process at any moment
/// never leaves a partial file under `path`.
public enum AtomicFileWriter {
  /// Writes `bytes` to `path` atomically. Write errors (disk full, permissions) throw.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    let stream = try AtomicFileStream(path: path, bufferSize: max(bytes.count, 1))
    try stream.write(bytes: bytes)
    try stream.commit()
  }

  /// Writes UTF-8 `text` atomically.
  public static func write(text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }
}
