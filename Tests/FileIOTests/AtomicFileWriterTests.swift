import Foundation
import TestSupport
import Testing

@testable import FileIO
@testable import NCECore

@Suite struct AtomicFileWriterTests {
  @Test func writesAndReplacesLeavingNoTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/lmwt.rnn"
    try AtomicFileWriter.write(text: "utt-1 12.5\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "utt-1 12.5\n")
    try AtomicFileWriter.write(text: "utt-1 3\nutt-2 4\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "utt-1 3\nutt-2 4\n")
    try AtomicFileWriter.write([], to: directory + "/empty")
    #expect(FileManager.default.contents(atPath: directory + "/empty") == Data())
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
        "empty", "lmwt.rnn",
      ])
  }

  @Test func concurrentWritersToOneDirectoryDoNotCollide() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/shared.txt"
    let payloads = (0..<8).map { String(repeating: "\($0)", count: 100_000) }
    nonisolated(unsafe) var failures = 0
    let lock = NSLock()
    parallelFor(payloads.count, threads: 2) { i in
      do { try AtomicFileWriter.write(text: payloads[i], to: path) } catch {
        lock.lock()
        failures += 1
        lock.unlock()
      }
    }
    #expect(failures == 0)
    let final = try String(contentsOfFile: path, encoding: .utf8)
    #expect(payloads.contains(final), "file holds a mix of writers")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["shared.txt"])
  }

  @Test func unwritableDestinationThrowsNamingTheFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    // A regular file used as a directory fails even for root, unlike chmod.
    let notADirectory = directory + "/plain"
    writeBytes([1], to: notADirectory)
    let target = notADirectory + "/out.txt"
    let error = #expect(throws: InputError.self) {
      try AtomicFileWriter.write(text: "x", to: target)
    }
    #expect(error?.file == target)
    let missing = directory + "/no/such/dir/out.txt"
    #expect(throws: InputError.self) { try AtomicFileWriter.write(text: "x", to: missing) }
  }

  /// Pieces below and above the buffer size (the large ones skip the buffer) land in order.
  @Test func piecesOfEverySizeAreWrittenInOrder() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/model"
    let sizes = [3, 0, 70_000, 5, 1 << 16, 1, 200_001, 2]
    let pieces = sizes.enumerated().map { i, size in (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31 + i) } }
    try AtomicFileWriter.write(pieces: pieces, to: path)
    #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == pieces.flatMap { $0 })
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model"])
  }

  /// A linked name holds the file; replacing the original (by rename, as every writer of ours
  /// does) leaves the link's content as it was, and the link replaces an older file whole.
  @Test func aPublishedLinkKeepsItsContentWhenTheOriginalIsReplaced() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let last = directory + "/m.mdl.last"
    let best = directory + "/m.mdl"
    try AtomicFileWriter.write(text: "older best\n", to: best)
    try AtomicFileWriter.write(text: "epoch 1\n", to: last)
    #expect(try AtomicFileWriter.publishLink(to: last, at: best))
    #expect(try String(contentsOfFile: best, encoding: .utf8) == "epoch 1\n")
    try AtomicFileWriter.write(text: "epoch 2\n", to: last)
    #expect(try String(contentsOfFile: best, encoding: .utf8) == "epoch 1\n")
    #expect(try String(contentsOfFile: last, encoding: .utf8) == "epoch 2\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["m.mdl", "m.mdl.last"])
    // A missing original is an error naming the destination, which is left as it was.
    let error = #expect(throws: InputError.self) {
      try AtomicFileWriter.publishLink(to: directory + "/missing", at: best)
    }
    #expect(error?.file == best)
    #expect(try String(contentsOfFile: best, encoding: .utf8) == "epoch 1\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["m.mdl", "m.mdl.last"])
  }

  /// Where no link can be made (here: the original on another file system, /dev/shm, when this
  /// machine has one) `publishLink` says so and leaves the destination as it was, so the caller
  /// writes a copy instead.
  @Test func noLinkAcrossFileSystemsLeavesTheDestination() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    var shm = stat()
    var local = stat()
    guard stat("/dev/shm", &shm) == 0, stat(directory, &local) == 0, shm.st_dev != local.st_dev,
      access("/dev/shm", W_OK) == 0
    else {
      print("skipped: no writable /dev/shm on another file system than \(directory)")
      return
    }
    let other = "/dev/shm/nce-link-test-\(UUID().uuidString)"
    try AtomicFileWriter.write(text: "epoch 3\n", to: other)
    defer { unlink(other) }
    let best = directory + "/m.mdl"
    try AtomicFileWriter.write(text: "epoch 1\n", to: best)
    #expect(try !AtomicFileWriter.publishLink(to: other, at: best))
    #expect(try String(contentsOfFile: best, encoding: .utf8) == "epoch 1\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["m.mdl"])
  }
}
