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
