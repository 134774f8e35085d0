import FileIO
import Foundation
import TestSupport
import Testing

@testable import NBestRescoring

/// Kaldi text lattice archives: reading, writing back byte for byte, every input form, errors.
@Suite struct KaldiLatticeIOTests {
  /// Two CompactLattices as `lattice-copy --write-compact=true ark:- ark,t:-` prints them: weights
  /// with and without transition ids, an omitted One weight, a final with only a state.
  static let compact = """
    utt1 \n0\t1\t3\t1.5,10.25,\n0\t2\t0\t0,4,\n1\t3\t4\t2,20,7_7_9\n2\t3\t3\t1.75,30.5,\n3\t0.5,0,\n\nutt2 \n0\t1\t5\n1\n\n
    """
  /// A non-compact Lattice (`--write-compact=false`).
  static let plain = "utt3 \n0\t1\t12\t3\t1.5,10.25\n1\t2\t0\t0\t0,2\n2\t0.25,0\n2\t3\t9\t4\n3\n\n"

  static func write(_ text: String, _ name: String) throws -> (String, String) {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (directory, path)
  }

  @Test func compactLatticesRoundTripByteForByte() throws {
    let (directory, path) = try Self.write(Self.compact, "lat.txt")
    defer { removeTree(directory) }
    let lattices = try KaldiLatticeReader(rspecifier: "ark,t:" + path).readAll()
    #expect(lattices.map(\.key) == ["utt1", "utt2"])
    let first = lattices[0]
    #expect(first.kind == .compact && first.stateCount == 4 && first.start == 0 && first.arcs.count == 4)
    #expect(first.arcs(from: 1).first?.word == 4)
    #expect(first.transitionIDs(first.arcs(from: 1).first!.alignment) == [7, 7, 9])
    #expect(first.finals[3] == LatticeFinal(weight: LatticeWeight(graph: 0.5, acoustic: 0)))
    #expect(lattices[1].arcs[0].weight == .one && lattices[1].finals[1]?.weight == .one)
    #expect(KaldiLatticeWriter.text(of: lattices) == Self.compact)
  }

  @Test func plainLatticeRoundTripsWithInputLabels() throws {
    let (directory, path) = try Self.write(Self.plain, "lat.txt")
    defer { removeTree(directory) }
    let lattices = try KaldiLatticeReader(rspecifier: path).readAll()
    #expect(lattices.count == 1 && lattices[0].kind == .plain)
    #expect(lattices[0].arcs.map(\.inputLabel) == [12, 0, 9] && lattices[0].arcs.map(\.word) == [3, 0, 4])
    // OpenFst prints a state's arcs before its final weight.
    #expect(
      KaldiLatticeWriter.text(of: lattices)
        == "utt3 \n0\t1\t12\t3\t1.5,10.25\n1\t2\t0\t0\t0,2\n2\t3\t9\t4\n2\t0.25,0\n3\n\n")
  }

  @Test func startStateIsTheFirstLineSourceAndIsPrintedFirst() throws {
    let text = "u \n2\t0\t1\t1,1,\n0\t1\t2\t1,1,\n1\n\n"
    let (directory, path) = try Self.write(text, "lat.txt")
    defer { removeTree(directory) }
    let lattice = try #require(try KaldiLatticeReader(rspecifier: path).next())
    #expect(lattice.start == 2 && lattice.stateCount == 3)
    #expect(KaldiLatticeWriter.text(of: [lattice]) == text)
  }

  @Test func readsGzipZstdPipesAndStdinForms() throws {
    let (directory, path) = try Self.write(Self.compact, "lat.txt")
    defer { removeTree(directory) }
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
    gzip.arguments = ["-c", "gzip -c '\(path)' > '\(path).gz'"]
    try gzip.run()
    gzip.waitUntilExit()
    try Data(ZstdCodec.compress(Array(Self.compact.utf8))).write(to: URL(fileURLWithPath: path + ".zst"))
    for rspecifier in [
      "ark:\(path).gz", "ark,t:\(path).zst", "ark:gunzip -c \(path).gz |", "ark,t:cat \(path) |", "\(path)",
      "ark,s,cs:\(path)",
    ] {
      let lattices = try KaldiLatticeReader(rspecifier: rspecifier).readAll()
      #expect(KaldiLatticeWriter.text(of: lattices) == Self.compact, "\(rspecifier)")
    }
  }

  @Test(arguments: [
    ("u \n0\t1\t2\t1,2\n", 2, "a Lattice line"),
    ("u \n0\t1\t2\t3\t1,2,\n", 2, "inside a Lattice"),
    ("u \n0\t1\tx\t1,2,\n", 2, "word id"),
    ("u \n0\t-1\t2\t1,2,\n", 2, "state id"),
    ("u \n0\t1\t2\tnan,2,\n", 2, "NaN"),
    ("u \n0\t1\t2\t1,-inf,\n", 2, "infinite"),
    ("u \n0\t1\t2\t1,2,3_x\n", 2, "transition id"),
    ("u \n0\t1\t2\t1,2,\n1\n1\t0,0,\n", 4, "second final"),
    ("u \n0\t1\t2\t1,2,\n1\n\nu \n0\n", 5, "appears twice"),
    ("u x\n0\n", 1, "only the lattice key"),
    ("u \n0\t1\t2\t3\t4\t5\n", 2, "6 fields"),
    ("u \n0\t1\t2\t3\n0\t2\t5\t1,2,\n", 3, "inside a Lattice"),
    ("u \n0\t9999999\t2\n", 1, "beyond"),
  ])
  func malformedLinesAreRefusedAtTheirLine(text: String, line: Int, message: String) throws {
    let (directory, path) = try Self.write(text, "lat.txt")
    defer { removeTree(directory) }
    do {
      _ = try KaldiLatticeReader(rspecifier: path).readAll()
      Issue.record("accepted: \(text.debugDescription)")
    } catch let error as InputError {
      #expect(error.file == path && error.line == line, "\(error)")
      #expect(error.message.contains(message), "\(error)")
    }
  }

  @Test func sortedArchivesCheckTheirKeys() throws {
    let (directory, path) = try Self.write("b \n0\n\na \n0\n\n", "lat.txt")
    defer { removeTree(directory) }
    #expect(try KaldiLatticeReader(rspecifier: path).readAll().count == 2)
    #expect(throws: InputError.self) { try KaldiLatticeReader(rspecifier: "ark,s:" + path).readAll() }
  }

  @Test func emptyLatticeHasNoStates() throws {
    let (directory, path) = try Self.write("u \n\nv \n0\n", "lat.txt")
    defer { removeTree(directory) }
    let lattices = try KaldiLatticeReader(rspecifier: path).readAll()
    #expect(lattices.map(\.stateCount) == [0, 1] && lattices[0].start == -1)
    #expect(try LatticeBestPath.find(in: lattices[0], lmWeight: 10) == nil)
    #expect(KaldiLatticeWriter.text(of: lattices) == "u \n\nv \n0\n\n")
  }

  @Test func costsAreWrittenWithSixDecimalsAtMost() {
    #expect(KaldiLatticeWriter.formatCost(35.121444) == "35.121444")
    #expect(KaldiLatticeWriter.formatCost(15.14572) == "15.14572")
    #expect(KaldiLatticeWriter.formatCost(2) == "2")
    #expect(KaldiLatticeWriter.formatCost(-0.0000001) == "0")
    #expect(KaldiLatticeWriter.formatCost(.infinity) == "Infinity")
  }

  @Test func symbolTableReadsWordsAndRefusesDuplicates() throws {
    let (directory, path) = try Self.write("<eps> 0\na 1\nb 2\n", "words.txt")
    defer { removeTree(directory) }
    let table = try SymbolTable(path: path)
    #expect(table.count == 3 && table.id(of: "b") == 2 && table.word(of: 1) == "a" && table.id(of: "c") == nil)
    for (bad, message) in [
      ("a 1\nb 1\n", "id 1"), ("a 1\na 2\n", "twice"), ("a x\n", "non-negative"), ("a 1 2\n", "fields"),
    ] {
      try bad.write(toFile: path, atomically: true, encoding: .utf8)
      #expect {
        _ = try SymbolTable(path: path)
      } throws: { error in
        (error as? InputError).map { $0.file == path && $0.line != nil && $0.message.contains(message) } ?? false
      }
    }
  }
}
