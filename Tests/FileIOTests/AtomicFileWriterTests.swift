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
}
