import Foundation
import TestSupport
import Testing

@testable import FileIO
@testable import NCECore

@Suite struct AtomicFileStreamTests {
  static func entries(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
  }

  @Test(arguments: [1, 7, 1 << 16])
  func nothingAppearsUnderTheFinalNameBeforeCommit(bufferSize: Int) throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/lmwt.rnn"
    let stream = try AtomicFileStream(path: path, bufferSize: bufferSize)
    var expected = ""
    for i in 0..<1000 {
      let line = "utt-\(i) \(Double(i) * 0.5)\n"
      try stream.write(line)
      expected += line
    }
    #expect(!FileManager.default.fileExists(atPath: path))
    let hidden = try Self.entries(directory)
    #expect(hidden.count == 1 && hidden[0].hasPrefix(".lmwt.rnn.tmp.\(getpid())."), "\(hidden)")
    try stream.commit()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
    #expect(try Self.entries(directory) == ["lmwt.rnn"])
    #expect(throws: InputError.self) { try stream.commit() }
  }

  @Test func droppedOrDiscardedStreamsLeaveTheOldFileAndNoTemporary() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/text"
    try AtomicFileWriter.write(text: "old\n", to: path)
    do {
      let stream = try AtomicFileStream(path: path, bufferSize: 4)
      try stream.write("new content that is never committed\n")
    }
    #expect(try Self.entries(directory) == ["text"])
    let discarded = try AtomicFileStream(path: path)
    try discarded.write("also new\n")
    try discarded.close()
    #expect(try Self.entries(directory).count == 2)
    discarded.discard()
    #expect(try Self.entries(directory) == ["text"])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
    #expect(throws: InputError.self) { try discarded.commit() }
  }

  @Test func closedStreamsCommitLaterAndRefuseMoreWrites() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let streams = try (0..<3).map { try AtomicFileStream(path: directory + "/f\($0)") }
    for (i, stream) in streams.enumerated() {
      try stream.write("file \(i)\n")
      try stream.close()
      try stream.close()
      #expect(throws: InputError.self) { try stream.write("late\n") }
    }
    #expect(try Self.entries(directory).allSatisfy { $0.hasPrefix(".") })
    for stream in streams { try stream.commit() }
    #expect(try Self.entries(directory) == ["f0", "f1", "f2"])
    #expect(try String(contentsOfFile: directory + "/f2", encoding: .utf8) == "file 2\n")
    try AtomicFileStream(path: directory + "/empty").commit()
    #expect(FileManager.default.contents(atPath: directory + "/empty") == Data())
  }

  @Test func uncreatableDestinationThrowsNamingTheFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let notADirectory = directory + "/plain"
    writeBytes([1], to: notADirectory)
    let target = notADirectory + "/out.txt"
    let error = #expect(throws: InputError.self) { _ = try AtomicFileStream(path: target) }
    #expect(error?.file == target)
  }
}
