import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The output policy of every tool: all files of a run are staged as hidden temporaries next
/// to their destinations (`AtomicFileStream`) and published together by `publish()` once the
/// run has succeeded. A failure, an interruption or a full disk before that leaves every
/// previous output byte-identical and no temporary behind (dropped streams remove theirs, and
/// `TemporaryFileRegistry` removes them on SIGINT/SIGTERM/SIGHUP).
///
/// Cost: one `syncfs` per file system before the renames (the data of every staged file is
/// durable before any name points at it) and one fsync per directory after them, instead of
/// two fsyncs per file: 1,001 `wer_*` files need two syncs, not 2,002.
public final class StagedOutputs {
  private var streams: [AtomicFileStream] = []

  public init() {}

  /// The destinations staged so far, in order.
  public var paths: [String] { streams.map(\.path) }

  /// A new staged file for `path`; staging a path twice is a programming error.
  public func stream(for path: String, bufferSize: Int = 1 << 16) throws -> AtomicFileStream {
    precondition(!streams.contains { $0.path == path }, "\(path) staged twice")
    let stream = try AtomicFileStream(path: path, bufferSize: bufferSize)
    streams.append(stream)
    return stream
  }

  /// Stages `bytes` as the new content of `path`.
  public func write(_ bytes: [UInt8], to path: String) throws {
    let stream = try stream(for: path, bufferSize: max(bytes.count, 1))
    try stream.write(bytes: bytes)
    try stream.close(sync: false)
  }

  /// Stages UTF-8 `text` as the new content of `path`.
  public func write(text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

  /// Renames every staged file to its destination, in staging order. A failure while closing
  /// (before any rename) leaves every destination untouched and removes all temporaries.
  public func publish() throws {
    do {
      for stream in streams { try stream.close(sync: false) }
      var synced = Set<String>()
      for stream in streams {
        let directory = Self.directory(of: stream.path)
        if synced.insert(directory).inserted { try Self.syncFileSystem(of: directory, for: stream.path) }
      }
    } catch {
      discard()
      throw error
    }
    var directories: [String] = []
    for stream in streams {
      try stream.commit(syncDirectory: false)
      let directory = Self.directory(of: stream.path)
      if !directories.contains(directory) { directories.append(directory) }
    }
    for directory in directories { AtomicFileStream.syncDirectory(of: directory + "/.") }
    streams.removeAll()
  }

  /// Gives up every staged file; the destinations stay as they were.
  public func discard() {
    for stream in streams { stream.discard() }
    streams.removeAll()
  }

  deinit { discard() }

  private static func directory(of path: String) -> String {
    let directory = (path as NSString).deletingLastPathComponent
    return directory.isEmpty ? "." : directory
  }

  private static func syncFileSystem(of directory: String, for path: String) throws {
    let fd = open(directory, O_RDONLY)
    guard fd >= 0 else { throw InputError("cannot open directory: \(String(cString: strerror(errno)))", file: path) }
    defer { Glibc.close(fd) }
    if linuxSyncfs(fd) != 0 { throw InputError("write failed: \(String(cString: strerror(errno)))", file: path) }
  }
}

/// glibc's `syncfs(2)`, which Swift's Glibc module hides behind `_GNU_SOURCE`.
@_silgen_name("syncfs")
private func linuxSyncfs(_ descriptor: Int32) -> Int32
