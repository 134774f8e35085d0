import Foundation
import TestSupport
import Testing

@testable import FileIO
@testable import NCECore

/// The temporary files an interrupted tool must remove: registered while being written, gone
/// from the registry once renamed or discarded, removed by `removeAll` (the signal handler).
@Suite struct TemporaryFileRegistryTests {
  @Test func streamsAreRegisteredUntilSettledAndRemoveAllDeletesThem() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let committed = try AtomicFileStream(path: directory + "/a")
    let discarded = try AtomicFileStream(path: directory + "/b")
    let pending = try AtomicFileStream(path: directory + "/c")
    for stream in [committed, discarded, pending] {
      #expect(TemporaryFileRegistry.registeredPaths.contains(stream.temporaryPath))
    }
    try committed.write("x\n")
    try committed.commit()
    discarded.discard()
    discarded.discard()  // a second settle must not free another stream's slot
    #expect(!TemporaryFileRegistry.registeredPaths.contains(committed.temporaryPath))
    #expect(!TemporaryFileRegistry.registeredPaths.contains(discarded.temporaryPath))
    #expect(TemporaryFileRegistry.registeredPaths.contains(pending.temporaryPath))

    let slot = try #require(TemporaryFileRegistry.register(directory + "/other"))
    #expect(TemporaryFileRegistry.registeredPaths.contains(directory + "/other"))
    TemporaryFileRegistry.unregister(slot)
    #expect(!TemporaryFileRegistry.registeredPaths.contains(directory + "/other"))

    #expect(FileManager.default.fileExists(atPath: pending.temporaryPath))
    TemporaryFileRegistry.removeAll(under: directory + "/")  // all of them would hit parallel tests
    #expect(!FileManager.default.fileExists(atPath: pending.temporaryPath))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["a"])
    pending.discard()
    #expect(!TemporaryFileRegistry.registeredPaths.contains(pending.temporaryPath))
  }

  /// The signal handler waits for a creation in progress (so the file it registers is removed
  /// with the others), and no longer than its bound; a creation that failed is not registered.
  @Test func theHandlerWaitsForACreationInProgress() throws {
    #expect(TemporaryFileRegistry.beginCreating())
    let released = Date().addingTimeInterval(0.2)
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { TemporaryFileRegistry.endCreating() }
    TemporaryFileRegistry.waitForCreations(seconds: 5)
    #expect(Date() >= released.addingTimeInterval(-0.01))

    #expect(TemporaryFileRegistry.beginCreating())
    let start = Date()
    TemporaryFileRegistry.waitForCreations(seconds: 0.05)
    #expect(Date().timeIntervalSince(start) < 2, "the wait is bounded")
    TemporaryFileRegistry.endCreating()

    let missing = "/nonexistent-\(UUID().uuidString)/out"
    #expect(throws: InputError.self) { _ = try AtomicFileStream(path: missing) }
    #expect(!TemporaryFileRegistry.registeredPaths.contains { $0.hasPrefix("/nonexistent-") })
  }
}
