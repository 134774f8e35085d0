import FileIO

#if canImport(Glibc)
  import Glibc
#endif

/// The tools' results on standard output, buffered, with write errors kept and reported:
/// `print` drops them, so `compute-wer ... > file` on a full disk would exit 0 with a
/// truncated file. `write` never throws (it is called from progress callbacks); the first
/// failure is remembered, later output is dropped, and `flush()` throws it.
public final class StandardOutput {
  private var buffer: [UInt8] = []
  private var failure: InputError?
  private let capacity = 1 << 16

  public init() {}

  /// Appends `text`; writes the buffer out once it holds 64 KiB.
  public func write(_ text: String) {
    guard failure == nil else { return }
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= capacity { writeBuffer() }
  }

  /// Writes everything buffered; throws the first write error (`standard output: ...`).
  public func flush() throws {
    writeBuffer()
    if let failure { throw failure }
  }

  private func writeBuffer() {
    guard failure == nil, !buffer.isEmpty else { return }
    if let message = buffer.withUnsafeBytes({ DescriptorWriter.writeAll($0, to: STDOUT_FILENO) }) {
      failure = InputError("write failed: \(message)", file: "standard output")
    }
    buffer.removeAll(keepingCapacity: true)
  }
}
