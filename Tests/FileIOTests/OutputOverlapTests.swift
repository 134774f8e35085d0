import Foundation
import TestSupport
import Testing

@testable import FileIO

/// No run overwrites its own input: the same file under any spelling or link, or a file read
/// inside an input directory, is refused with an error naming the output and the input.
@Suite struct OutputOverlapTests {
  @Test func theSameFileUnderAnySpellingOrLinkIsRefused() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    writeBytes(Array("u1 a b\n".utf8), to: directory + "/text")
    try FileManager.default.linkItem(atPath: directory + "/text", toPath: directory + "/hard")
    try FileManager.default.createSymbolicLink(atPath: directory + "/soft", withDestinationPath: directory + "/text")
    try FileManager.default.createSymbolicLink(atPath: directory + "/dirlink", withDestinationPath: directory)
    let reference = OutputOverlap.Input(directory + "/text", name: "--ref")
    for output in [
      directory + "/text", directory + "/./text", directory + "/hard", directory + "/soft", directory + "/dirlink/text",
    ] {
      let error = #expect(throws: InputError.self, "\(output)") {
        try OutputOverlap.refuse(outputs: [directory + "/other", output], inputs: [reference])
      }
      #expect(error?.file == output)
      #expect(error?.message == "output would overwrite the input --ref '\(directory)/text'; write it elsewhere")
    }
    // Kaldi table prefixes are looked through; pipes and stdin are not files.
    #expect(throws: InputError.self) {
      try OutputOverlap.refuse(
        outputs: [directory + "/text"], inputs: [.init("ark,t:\(directory)/text", name: "--ref")])
    }
    try OutputOverlap.refuse(
      outputs: [directory + "/text"],
      inputs: [.init("cat \(directory)/text |", name: "--ref"), .init("-", name: "--ref"), .init("ark:-", name: "x")])
    // Distinct files, and outputs that do not exist yet, pass.
    try OutputOverlap.refuse(outputs: [directory + "/new", directory + "/missing/new"], inputs: [reference])
  }

  /// An input directory stands for its files, except the entries that are outputs of the run
  /// themselves (tables rewritten into an N-best archive by a rerun).
  @Test func filesReadInsideAnInputDirectoryAreInputs() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let archive = directory + "/archive"
    let out = directory + "/out"
    for path in [archive, out] {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    for name in ["words_text", "acwt", "lmwt.rnn"] { writeBytes(Array("\(name)\n".utf8), to: archive + "/" + name) }
    let input = OutputOverlap.Input.directory(archive, name: "--nbest-dir")
    #expect(input.isDirectory)
    // A rerun into the archive replaces its own previous table.
    try OutputOverlap.refuse(outputs: [archive + "/lmwt.rnn", archive + "/text"], inputs: [input])
    try OutputOverlap.refuse(outputs: [directory + "/./archive/lmwt.rnn"], inputs: [input])
    // A hard link of an archive file under an output's name is that file.
    try FileManager.default.linkItem(atPath: archive + "/acwt", toPath: out + "/text")
    let error = #expect(throws: InputError.self) { try OutputOverlap.refuse(outputs: [out + "/text"], inputs: [input]) }
    #expect(error?.file == out + "/text")
    #expect(error?.message.contains("'\(archive)/acwt' (in --nbest-dir '\(archive)')") == true)
    // A regular file given as an N-best input stands for itself.
    let file = OutputOverlap.Input.directory(archive + "/words_text", name: "--nbest-dir")
    #expect(!file.isDirectory)
    #expect(throws: InputError.self) { try OutputOverlap.refuse(outputs: [archive + "/words_text"], inputs: [file]) }
  }
}
