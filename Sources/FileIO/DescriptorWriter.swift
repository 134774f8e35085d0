#if canImport(Glibc)
  import Glibc
#endif

/// Writing a whole buffer to a file descriptor: retried after EINTR and short writes, the
/// failure reported rather than dropped (the atomic files, standard output and standard error
/// all write this way).
public enum DescriptorWriter {
  /// Writes all of `bytes` to `descriptor`; nil on success, else the system's error message.
  public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> String? {
    var offset = 0
    while offset < bytes.count {
      let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        return String(cString: strerror(errno))
      }
      if written == 0 { return "the device accepted no bytes" }
      offset += written
    }
    return nil
  }
}

/// Writes to standard error without buffering (Swift 6 rejects the C `stderr` global): logs,
/// errors and progress lines. Failures are ignored: logs on a full disk must not stop (or, as
/// `FileHandle.write` does, crash) a tool whose results can still be written.
public func stderrWrite(_ text: String) {
  _ = Array(text.utf8).withUnsafeBytes { DescriptorWriter.writeAll($0, to: STDERR_FILENO) }
}
