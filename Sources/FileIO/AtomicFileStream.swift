import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The streaming counterpart of `AtomicFileWriter`: text is appended piece by piece to a
/// temporary file `.<name>.tmp.<pid>.<random>` in the destination's directory through a
/// buffer of `bufferSize` bytes, and `commit()` fsyncs it and renames it over `path`.
/// Until `commit()` nothing exists under `path`, so killing the process at any moment never
/// leaves a partial file there. A stream dropped without `commit()`, or whose writing failed,
/// removes its temporary file, and so does a process stopped by SIGINT, SIGTERM or SIGHUP
/// (`TemporaryFileRegistry`); only a SIGKILL leaves it, hidden, next to the destination.
///
/// `close()` finishes writing (flush, fsync, close the descriptor, free the buffer) without
/// renaming, so that many files can be completed one after another and all renamed at the
/// end with only one descriptor open at a time. Memory: the buffer, O(`bufferSize`).
/// Write errors (disk full, permissions) throw an `InputError` naming `path`.
/// Not thread-safe: one writer at a time.
public final class AtomicFileStream {
  /// The destination.
  public let path: String
  /// Where the data goes until `commit()`.
  public let temporaryPath: String
  private let bufferSize: Int
  private var buffer: [UInt8] = []
  private var descriptor: Int32
  /// Whether the temporary file has been renamed or removed (then it leaves the registry).
  private var settled = false {
    didSet { if settled && !oldValue { TemporaryFileRegistry.unregister(registration) } }
  }
  /// Its slot in `TemporaryFileRegistry`, which removes it if the process is interrupted.
  private let registration: Int?
  /// The first write error; every later call rethrows it.
  private var writeFailure: InputError?

  /// Creates the temporary file (exclusively) next to `path`.
  public init(path: String, bufferSize: Int = 1 << 16) throws {
    let temporary = Self.temporaryPath(for: path)
    let (fd, openError, registration) = Self.createRegistered(temporary) {
      open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    }
    guard fd >= 0 else {
      TemporaryFileRegistry.unregister(registration)
      throw InputError("cannot create: \(String(cString: strerror(openError)))", file: path)
    }
    self.path = path
    self.temporaryPath = temporary
    self.bufferSize = max(1, bufferSize)
    self.descriptor = fd
    self.registration = registration
    buffer.reserveCapacity(self.bufferSize)
  }

  /// Runs `create`, which makes the file `temporary` and returns a negative number on failure,
  /// with `temporary` registered for removal first: a signal arriving between the two steps
  /// still removes it. Returns what `create` returned, `errno` right after it, and the
  /// registration, which the caller ends (`TemporaryFileRegistry.unregister`).
  static func createRegistered(_ temporary: String, _ create: () -> Int32) -> (
    result: Int32, error: Int32, registration: Int?
  ) {
    guard TemporaryFileRegistry.beginCreating() else { TemporaryFileRegistry.awaitTermination() }
    let registration = TemporaryFileRegistry.register(temporary)
    let result = create()
    let error = errno
    TemporaryFileRegistry.endCreating()
    return (result, error, registration)
  }

  /// Renames `temporary` over `path`; on failure removes `temporary` and throws, `path` untouched.
  static func rename(_ temporary: String, over path: String) throws {
    guard Glibc.rename(temporary, path) != 0 else { return }
    let failure = String(cString: strerror(errno))
    unlink(temporary)
    throw InputError("write failed: \(failure)", file: path)
  }

  /// A fresh hidden name next to `path`: `.<name>.tmp.<pid>.<random>`.
  static func temporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    return "\(directory)/.\(url.lastPathComponent).tmp.\(getpid()).\(suffix)"
  }

  deinit {
    if descriptor >= 0 { Glibc.close(descriptor) }
    if !settled {
      unlink(temporaryPath)
      TemporaryFileRegistry.unregister(registration)
    }
  }

  /// Appends the UTF-8 bytes of `text`.
  public func write(_ text: String) throws { try write(bytes: text.utf8) }

  /// Appends `bytes`.
  public func write<Bytes: Sequence<UInt8>>(bytes: Bytes) throws {
    if let writeFailure { throw writeFailure }
    guard descriptor >= 0 else { throw InputError("write after close", file: path) }
    buffer.append(contentsOf: bytes)
    if buffer.count >= bufferSize { try flush() }
  }

  /// Appends the bytes at `bytes`. A piece at least as large as the buffer is written from
  /// where it lies, without passing through the buffer: a checkpoint of hundreds of MB is not
  /// copied once more on its way out.
  public func write(contentsOf bytes: UnsafeRawBufferPointer) throws {
    if let writeFailure { throw writeFailure }
    guard descriptor >= 0 else { throw InputError("write after close", file: path) }
    guard bytes.count >= bufferSize else {
      buffer.append(contentsOf: bytes)
      if buffer.count >= bufferSize { try flush() }
      return
    }
    try flush()
    try writeOut(bytes)
  }

  /// Finishes the temporary file: flush, fsync, close. Idempotent; `commit()` calls it.
  /// `sync: false` leaves the fsync to the caller (`StagedOutputs` syncs the file system once).
  public func close(sync: Bool = true) throws {
    if let writeFailure { throw writeFailure }
    guard descriptor >= 0 else { return }
    try flush()
    var failure: String?
    if sync && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if Glibc.close(descriptor) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
    descriptor = -1
    buffer = []
    if let failure {
      unlink(temporaryPath)
      settled = true
      writeFailure = InputError("write failed: \(failure)", file: path)
      throw writeFailure!
    }
  }

  /// Closes the file if needed and renames it to `path` (replacing any old file), then makes
  /// the rename durable. After a failure the temporary file is gone and `path` is untouched.
  /// `syncDirectory: false` leaves the directory's fsync to the caller (`StagedOutputs`).
  public func commit(syncDirectory: Bool = true) throws {
    if let writeFailure { throw writeFailure }
    guard !settled else { throw InputError("commit of a discarded or committed stream", file: path) }
    try close()
    do { try Self.rename(temporaryPath, over: path) } catch {
      settled = true
      throw error
    }
    settled = true
    if syncDirectory { Self.syncDirectory(of: path) }
  }

  /// Makes renames inside the directory of `path` durable.
  static func syncDirectory(of path: String) {
    let directory = (path as NSString).deletingLastPathComponent
    let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
    if dirFD >= 0 {
      fsync(dirFD)
      Glibc.close(dirFD)
    }
  }

  /// Gives up: closes and removes the temporary file; `path` is untouched.
  public func discard() {
    if descriptor >= 0 { Glibc.close(descriptor) }
    descriptor = -1
    buffer = []
    if !settled { unlink(temporaryPath) }
    settled = true
  }

  /// Writes the buffer out (retrying on EINTR and short writes) and empties it.
  private func flush() throws {
    guard !buffer.isEmpty else { return }
    let failure = buffer.withUnsafeBytes { DescriptorWriter.writeAll($0, to: descriptor) }
    buffer.removeAll(keepingCapacity: true)
    if let failure { try fail(failure) }
  }

  /// Writes `bytes` to the file, past the buffer.
  private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
    if let failure = DescriptorWriter.writeAll(bytes, to: descriptor) { try fail(failure) }
  }

  /// Records a write failure, discards the stream and throws.
  private func fail(_ failure: String) throws -> Never {
    let error = InputError("write failed: \(failure)", file: path)
    writeFailure = error
    discard()
    throw error
  }
}
