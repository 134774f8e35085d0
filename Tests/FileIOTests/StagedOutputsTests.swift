import Foundation
import TestSupport
import Testing

@testable import FileIO

#if canImport(Glibc)
  import Glibc
#endif

/// The output policy: a run's files appear together, only after it succeeded; a failure at any
/// point leaves every previous output byte-identical and no temporary file behind.
@Suite struct StagedOutputsTests {
  static func listing(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
  }

  static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  @Test func filesAppearOnlyWhenPublished() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: false)
    writeBytes(Array("old\n".utf8), to: directory + "/a")
    let outputs = StagedOutputs()
    try outputs.write(text: "new a\n", to: directory + "/a")
    let stream = try outputs.stream(for: directory + "/sub/b", bufferSize: 4)
    try stream.write("streamed b, longer than the buffer\n")
    try outputs.write(text: "", to: directory + "/c")
    #expect(outputs.paths == [directory + "/a", directory + "/sub/b", directory + "/c"])
    #expect(Self.read(directory + "/a") == "old\n")
    #expect(try Self.listing(directory).filter { !$0.hasPrefix(".") } == ["a", "sub"])
    try outputs.publish()
    #expect(Self.read(directory + "/a") == "new a\n")
    #expect(Self.read(directory + "/sub/b") == "streamed b, longer than the buffer\n")
    #expect(Self.read(directory + "/c") == "")
    #expect(try Self.listing(directory) == ["a", "c", "sub"])
    #expect(try Self.listing(directory + "/sub") == ["b"])
    #expect(outputs.paths.isEmpty)
  }

  /// A full disk on the 500th of 1,001 files (here: a file that cannot be created) and a run
  /// dropped without publishing both leave the previous outputs as they were.
  @Test(arguments: [false, true])
  func failureOnTheFiveHundredthFileLeavesEveryPreviousOutput(dropInsteadOfDiscard: Bool) throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let names = (0..<1001).map { "wer_\($0)" }
    for name in names { writeBytes(Array("previous \(name)\n".utf8), to: directory + "/" + name) }
    var outputs: StagedOutputs? = StagedOutputs()
    #expect(throws: InputError.self) {
      for (index, name) in names.enumerated() {
        let path = index == 499 ? directory + "/missing/" + name : directory + "/" + name
        try outputs!.write(text: "new \(name)\n", to: path)
      }
    }
    // The 499 staged files are registered for removal on SIGINT/SIGTERM (more than the
    // registry's old 512 slots would hold with a larger run).
    let registered = Set(TemporaryFileRegistry.registeredPaths)
    #expect(registered.filter { $0.hasPrefix(directory + "/") }.count == 499)
    if dropInsteadOfDiscard { outputs = nil } else { outputs!.discard() }
    #expect(try Self.listing(directory) == names.sorted())
    for name in names { #expect(Self.read(directory + "/" + name) == "previous \(name)\n") }
    #expect(!TemporaryFileRegistry.registeredPaths.contains { $0.hasPrefix(directory + "/") })
  }

  /// A destination that is a directory is found before the first rename: nothing is published.
  @Test func directoryInTheWayFailsBeforeAnyRename() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    writeBytes(Array("old\n".utf8), to: directory + "/a")
    try FileManager.default.createDirectory(atPath: directory + "/b", withIntermediateDirectories: false)
    let outputs = StagedOutputs()
    try outputs.write(text: "new\n", to: directory + "/a")
    try outputs.write(text: "new\n", to: directory + "/b")
    try outputs.write(text: "new\n", to: directory + "/c")
    let error = #expect(throws: InputError.self) { try outputs.publish() }
    #expect(error?.file == directory + "/b")
    #expect(error?.message.contains("directory") == true)
    #expect(Self.read(directory + "/a") == "old\n")
    #expect(try Self.listing(directory) == ["a", "b"])
  }

  /// A rename that fails midway (here: a temporary removed behind the run's back) puts back
  /// the files already replaced and removes the ones that were new.
  @Test func aFailedRenameUndoesThePublication() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    writeBytes(Array("old a\n".utf8), to: directory + "/a")
    writeBytes(Array("old c\n".utf8), to: directory + "/c")
    let outputs = StagedOutputs()
    try outputs.write(text: "new a\n", to: directory + "/a")
    try outputs.write(text: "new b\n", to: directory + "/b")
    let c = try outputs.stream(for: directory + "/c")
    try c.write("new c\n")
    try outputs.write(text: "new d\n", to: directory + "/d")
    unlink(c.temporaryPath)
    let error = #expect(throws: InputError.self) { try outputs.publish() }
    #expect(error?.file == directory + "/c")
    #expect(Self.read(directory + "/a") == "old a\n")
    #expect(Self.read(directory + "/c") == "old c\n")
    #expect(try Self.listing(directory) == ["a", "c"])
    #expect(!TemporaryFileRegistry.registeredPaths.contains { $0.hasPrefix(directory + "/") })
    // A successful publication leaves no hard link of the previous files behind.
    try outputs.write(text: "newer a\n", to: directory + "/a")
    try outputs.publish()
    #expect(Self.read(directory + "/a") == "newer a\n")
    #expect(try Self.listing(directory) == ["a", "c"])
  }

  @Test func aDestinationStagedTwiceIsAnErrorNamingIt() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let outputs = StagedOutputs()
    try outputs.write(text: "1\n", to: directory + "/wer_5")
    let error = #expect(throws: InputError.self) { try outputs.write(text: "2\n", to: directory + "/wer_5") }
    #expect(error?.file == directory + "/wer_5")
    try outputs.publish()
    #expect(Self.read(directory + "/wer_5") == "1\n")
    #expect(try Self.listing(directory) == ["wer_5"])
  }

  @Test func withdrawnFilesAreNotPublished() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    writeBytes(Array("kept\n".utf8), to: directory + "/lmwt.rnn")
    let outputs = StagedOutputs()
    let table = try outputs.stream(for: directory + "/lmwt.rnn")
    try table.write("partial\n")
    try outputs.write(text: "x\n", to: directory + "/text")
    outputs.withdraw(directory + "/lmwt.rnn")
    outputs.withdraw(directory + "/not-staged")
    try outputs.publish()
    #expect(Self.read(directory + "/lmwt.rnn") == "kept\n")
    #expect(try Self.listing(directory) == ["lmwt.rnn", "text"])
    // A withdrawn destination may be staged again.
    try outputs.write(text: "again\n", to: directory + "/lmwt.rnn")
    try outputs.publish()
    #expect(Self.read(directory + "/lmwt.rnn") == "again\n")
  }
}
