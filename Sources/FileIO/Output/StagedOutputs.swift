import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The output policy of every tool: all files of a run are staged as hidden temporaries next
/// to their destinations (`AtomicFileStream`) and published together by `publish()` once the
/// run has succeeded. A failure, an interruption or a full disk before that leaves every
/// previous output byte-identical and no temporary behind (`discard()`, also run when the
/// value is dropped, removes them, and `TemporaryFileRegistry` removes them on
/// SIGINT/SIGTERM/SIGHUP).
///
/// Cost: one `syncfs` per file system before the renames (the data of every staged file is
/// durable before any name points at it) and one fsync per directory after them, instead of
/// an fsync of every file and of its directory: 1,001 `wer_*` files need two syncs, not 2,002.
/// Memory: the streams' buffers while they are open (a closed stream keeps only its paths).
public final class StagedOutputs {
  private var streams: [AtomicFileStream] = []
  private var staged: Set<String> = []

  public init() {}

  /// The destinations staged so far, in order.
  public var paths: [String] { streams.map(\.path) }

  /// A new staged file for `path`. Staging one destination twice in a run is an error naming it
  /// (two outputs of the run would have the same name).
  public func stream(for path: String, bufferSize: Int = 1 << 16) throws -> AtomicFileStream {
    guard staged.insert(path).inserted else {
      throw InputError("written twice by one run (two outputs have this name)", file: path)
    }
    let stream: AtomicFileStream
    do { stream = try AtomicFileStream(path: path, bufferSize: bufferSize) } catch {
      staged.remove(path)
      throw error
    }
    streams.append(stream)
    return stream
  }

  /// Stages `bytes` as the new content of `path` (the file is completed at once: no
  /// descriptor stays open).
  public func write(_ bytes: [UInt8], to path: String) throws {
    let stream = try stream(for: path, bufferSize: max(bytes.count, 1))
    try stream.write(bytes: bytes)
    try stream.close(sync: false)
  }

  /// Stages UTF-8 `text` as the new content of `path`.
  public func write(text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

  /// Gives up the staged file of `path`, if any: it will not be published.
  public func withdraw(_ path: String) {
    guard let index = streams.firstIndex(where: { $0.path == path }) else { return }
    streams.remove(at: index).discard()
    staged.remove(path)
  }

  /// Publishes every staged file under its destination, in staging order. Every failure that
  /// can be foreseen (a write error while completing a file, a destination that is a
  /// directory, a failed sync) comes before the first rename. A rename that fails after that
  /// (an I/O error or a full directory) puts back the files already replaced, from hard links
  /// made before each rename (`.<name>.old.<pid>.<random>`, removed once all are renamed; a file
  /// system without hard links gets no such rollback). Either way a failure leaves every
  /// destination as it was and removes all temporaries.
  public func publish() throws {
    do {
      for stream in streams { try stream.close(sync: false) }
      for stream in streams {
        var status = stat()
        if lstat(stream.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
          throw InputError("cannot write: a directory has this name", file: stream.path)
        }
      }
      var devices = Set<UInt64>()
      for stream in streams {
        let directory = Self.directory(of: stream.path)
        var status = stat()
        guard stat(directory, &status) == 0 else {
          throw InputError("cannot stat the directory: \(String(cString: strerror(errno)))", file: stream.path)
        }
        if devices.insert(UInt64(status.st_dev)).inserted { try Self.syncFileSystem(of: directory, for: stream.path) }
      }
    } catch {
      discard()
      throw error
    }
    var renamed: [(path: String, previous: PreviousFile)] = []
    do {
      for stream in streams {
        let previous = PreviousFile(keeping: stream.path)
        do { try stream.commit(syncDirectory: false) } catch {
          previous.drop()
          throw error
        }
        renamed.append((stream.path, previous))
      }
    } catch {
      for (path, previous) in renamed.reversed() { previous.restore(over: path) }
      discard()
      throw error
    }
    var directories: [String] = []
    var seen = Set<String>()
    for (path, previous) in renamed {
      previous.drop()
      let directory = Self.directory(of: path)
      if seen.insert(directory).inserted { directories.append(directory) }
    }
    for directory in directories { AtomicFileStream.syncDirectory(of: directory + "/.") }
    streams.removeAll()
    staged.removeAll()
  }

  /// The file a destination held before its rename, kept under a hidden hard link (registered
  /// for removal on SIGINT/SIGTERM/SIGHUP) until the publication succeeds or is undone.
  private struct PreviousFile {
    /// Whether `path` held a file.
    let existed: Bool
    /// Its hard link, or nil when there was no previous file (or it could not be linked).
    let link: String?
    let registration: Int?

    init(keeping path: String) {
      var status = stat()
      existed = lstat(path, &status) == 0
      guard existed else {
        link = nil
        registration = nil
        return
      }
      let url = URL(fileURLWithPath: path)
      let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
      let candidate = "\(url.deletingLastPathComponent().path)/.\(url.lastPathComponent).old.\(getpid()).\(suffix)"
      guard Glibc.link(path, candidate) == 0 else {
        link = nil
        registration = nil
        return
      }
      link = candidate
      registration = TemporaryFileRegistry.register(candidate)
    }

    /// Puts the previous file back under `path`, or removes `path` when there was none.
    func restore(over path: String) {
      if let link {
        rename(link, path)
        TemporaryFileRegistry.unregister(registration)
      } else if !existed {
        unlink(path)
      }
    }

    /// Forgets the previous file (the new one stays).
    func drop() {
      guard let link else { return }
      unlink(link)
      TemporaryFileRegistry.unregister(registration)
    }
  }

  /// Gives up every staged file not yet published; the destinations stay as they were.
  public func discard() {
    for stream in streams { stream.discard() }
    streams.removeAll()
    staged.removeAll()
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
