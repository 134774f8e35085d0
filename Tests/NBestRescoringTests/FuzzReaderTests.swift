import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NBestRescoring

/// Fuzz tests of the N-best, text and ARPA readers: random mutations of valid files end in a
/// correct parse or an `InputError` naming the file (or the archive directory).
@Suite struct FuzzReaderTests {
  static let keys = ["utt1-1", "utt1-2", "utt1-3", "utt-2-1", "utt-2-2", "u3-1"]
  static let archive: [String: String] = [
    "words_text": "utt1-1 the cat sat\nutt1-2 the cat\nutt1-3\nutt-2-1 a b\nutt-2-2 a\nu3-1 naïve café\n",
    "acwt": "utt1-1 120.5\nutt1-2 121.25\nutt1-3 130\nutt-2-1 80.5e0\nutt-2-2 inf\nu3-1 12\n",
    "lmwt.nolm": "utt1-1 3.5\nutt1-2 2.5\nutt1-3 1\nutt-2-1 0\nutt-2-2 4\nu3-1 1.5\n",
    "lmwt.lmonly": "utt1-1 20.5\nutt1-2 21\nutt1-3 19\nutt-2-1 10\nutt-2-2 11\nu3-1 30\n",
  ]
  static let srilm = Array(
    "utt1 -120.5 -20.1 3 the cat sat\nutt1 -121 -21 2 <s> the cat </s>\nutt1 -130 -19 0\nutt2 -80 -inf 2 a b\nutt3 -1e1 -2.5 1 café\n"
      .utf8)
  static let cued = Array(
    "1 -120.5 -20.1 5 <s> the cat sat </s>\n1 -121 -21 2 the cat\n2 -80 -10 4 <s> a b </s>\n2 -81 -11 2 <s> </s>\n3 -1 -2 1 x\n"
      .utf8)
  static let text = Array("utt1 the cat sat\nutt2\n  utt3\ta  b c \r\nutt4 你好\n".utf8)
  static let arpa = Array(
    """
    \\data\\
    ngram 1=5
    ngram 2=4
    ngram 3=2

    \\1-grams:
    -1.0\t<s>\t-0.5
    -0.7\t</s>
    -0.6\tthe\t-0.3
    -0.8\tcat\t-0.2
    -1.2\t<unk>

    \\2-grams:
    -0.3\t<s> the\t-0.1
    -0.4\tthe cat\t-0.1
    -0.2\tcat </s>
    -0.5\tthe </s>

    \\3-grams:
    -0.1\t<s> the cat
    -0.2\tthe cat </s>

    \\end\\

    """.utf8)

  /// Lines of a file that are not blank: every reader skips lines made only of Kaldi's
  /// whitespace (`" \t\n\v\f\r"`).
  static func lineCount(_ bytes: [UInt8]) -> Int {
    FileMutator.lines(bytes).filter { line in !line.allSatisfy { [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20].contains($0) } }
      .count
  }

  static func totalHypotheses(_ lists: [NBestList]) -> Int { lists.reduce(0) { $0 + $1.hypotheses.count } }

  @Test func kaldiArchiveMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 21)
    var tally = FuzzTally()
    let names = Self.archive.keys.sorted()
    for round in 0..<250 {
      let directory = workspace.directory + "/archive"
      try? FileManager.default.removeItem(atPath: directory)
      let victim = names[mutator.generator.nextInt(below: names.count)]
      var what = "\(victim): "
      var wordsBytes: [UInt8] = []
      for name in names {
        var bytes = Array(Self.archive[name]!.utf8)
        if name == victim {
          let mutated = mutator.mutate(bytes)
          bytes = mutated.bytes
          what += mutated.what
        }
        if name == "words_text" { wordsBytes = bytes }
        workspace.write(bytes, name: "archive/" + name)
      }
      tally.run("round \(round): \(what)", location: directory) {
        let lists = try KaldiNBestArchiveReader(directory: directory).readAll()
        #expect(Self.totalHypotheses(lists) == Self.lineCount(wordsBytes), "round \(round): \(what)")
        for list in lists {
          for h in list.hypotheses {
            #expect(!h.acousticCost.isNaN && !h.graphCost.isNaN && h.ngramCost?.isNaN == false)
          }
        }
      }
    }
    #expect(tally.accepted > 3 && tally.refused > 200, "\(tally)")
  }

  @Test func srilmFileAndDirectoryMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 22)
    var single = FuzzTally()
    var perUtterance = FuzzTally()
    for round in 0..<250 {
      let (bytes, what) = mutator.mutate(Self.srilm)
      let path = workspace.write(bytes, name: "nbest.txt")
      single.run("file, round \(round): \(what)", location: path) {
        let lists = try SRILMNBestReader(.file(path)).readAll()
        #expect(Self.totalHypotheses(lists) == Self.lineCount(bytes), "round \(round): \(what)")
      }
      // The same lines without the id column as one utterance's file in a directory.
      let directory = workspace.directory + "/scores"
      try? FileManager.default.removeItem(atPath: directory)
      workspace.write(Array("-1 -2 1 a\n".utf8), name: "scores/a.score")
      let withoutIDs = FileMutator.join(
        FileMutator.lines(bytes).map { line in
          guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return line }
          return Array(line[(space + 1)...])
        })
      workspace.write(withoutIDs, name: "scores/b.score")
      perUtterance.run("directory, round \(round): \(what)", location: directory) {
        let lists = try SRILMNBestReader(.directory(directory)).readAll()
        #expect(lists.map(\.utteranceID) == ["a", "b"], "round \(round): \(what)")
        #expect(lists.last?.hypotheses.count == Self.lineCount(withoutIDs), "round \(round): \(what)")
      }
    }
    #expect(single.accepted > 20 && single.refused > 100, "\(single)")
    #expect(perUtterance.accepted > 20 && perUtterance.refused > 100, "\(perUtterance)")
  }

  @Test func cuedMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 23)
    var tally = FuzzTally()
    for round in 0..<250 {
      let (bytes, what) = mutator.mutate(Self.cued)
      let path = workspace.write(bytes, name: "nbest.cued")
      tally.run("round \(round): \(what)", location: path) {
        let lists = try CUEDNBestReader(path: path).readAll()
        #expect(Self.totalHypotheses(lists) == Self.lineCount(bytes), "round \(round): \(what)")
      }
    }
    #expect(tally.accepted > 20 && tally.refused > 100, "\(tally)")
  }

  @Test func kaldiTextMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 24)
    var tally = FuzzTally()
    for round in 0..<250 {
      let (bytes, what) = mutator.mutate(Self.text)
      let path = workspace.write(bytes, name: "text")
      tally.run("round \(round): \(what)", location: path) {
        let (transcripts, order) = try KaldiTextReader.read(path: path)
        #expect(order.count == Self.lineCount(bytes) && transcripts.count == order.count, "round \(round): \(what)")
      }
    }
    #expect(tally.accepted > 50 && tally.refused > 50, "\(tally)")
  }

  /// `lmwt.rnn` reused by a sweep, streamed in step with the lists of `archive`.
  @Test func rnnCostTableMutations() throws {
    let workspace = try FuzzWorkspace()
    let valid = Array("utt1-1 20.5\nutt1-3 19\nutt1-2 21\nutt-2-1 10\nutt-2-2 inf\nu3-1 30\n".utf8)
    let lists = [("utt1", [1, 2, 3]), ("utt-2", [1, 2]), ("u3", [1])]
    var mutator = FileMutator(seed: 31)
    var tally = FuzzTally()
    for round in 0..<250 {
      let (bytes, what) = mutator.mutate(valid)
      let path = workspace.write(bytes, name: "lmwt.rnn")
      tally.run("round \(round): \(what)", location: path) {
        let table = try RNNCostTable(paths: [path])
        for (utterance, ranks) in lists {
          var list = NBestList(
            utteranceID: utterance, hypotheses: ranks.map { NBestHypothesis(rank: $0, words: [], acousticCost: 0) })
          try table.apply(to: &list)
          #expect(
            list.hypotheses.allSatisfy { $0.rnnCost.map { !$0.isNaN && $0 >= 0 } == true }, "round \(round): \(what)")
        }
        try table.finish()
      }
    }
    // Most mutations break the key order or a key, so few are accepted.
    #expect(tally.accepted > 3 && tally.refused > 100, "\(tally)")
  }

  @Test func gzipCompressedTextMutations() throws {
    let workspace = try FuzzWorkspace()
    let plain = workspace.write(Self.text, name: "plain")
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    gzip.arguments = ["gzip", "-kn", plain]
    try gzip.run()
    gzip.waitUntilExit()
    let compressed = [UInt8](FileManager.default.contents(atPath: plain + ".gz")!)
    var mutator = FileMutator(seed: 25)
    var tally = FuzzTally()
    for round in 0..<40 {
      let (bytes, what) = mutator.mutate(compressed)
      let path = workspace.write(bytes, name: "text.gz")
      tally.run("round \(round): \(what)", location: path, seconds: 5) {
        _ = try KaldiTextReader.read(path: path)
      }
    }
    #expect(tally.refused > 10, "\(tally)")
  }

  @Test func arpaMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 26)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Self.arpa)
      let path = workspace.write(bytes, name: "lm.arpa")
      tally.run("round \(round): \(what)", location: path) {
        let model = try ARPAModel(path: path)
        for sentence in [["the", "cat"], [], ["dog", "the", "the", "cat", "cat"]] {
          #expect(!model.sentenceCost(sentence).isNaN, "round \(round): \(what)")
        }
      }
    }
    #expect(tally.accepted > 5 && tally.refused > 200, "\(tally)")
  }

  @Test func hugeDeclaredCountsAreRefusedWithoutAllocating() throws {
    let workspace = try FuzzWorkspace()
    for declaration in ["ngram 2=4611686018427387904", "ngram 2=99999999999999"] {
      let text = String(decoding: Self.arpa, as: UTF8.self).replacingOccurrences(of: "ngram 2=4", with: declaration)
      let path = workspace.write(Array(text.utf8), name: "huge.arpa")
      let error = #expect(throws: InputError.self) { _ = try ARPAModel(path: path) }
      #expect(error?.description.hasPrefix("\(path):3: ") == true, "\(String(describing: error))")
    }
  }

  @Test func fiveMegabyteLines() throws {
    let workspace = try FuzzWorkspace()
    let start = Date()
    let textPath = workspace.write(FileMutator.withHugeLine(Self.text, atLine: 2), name: "text")
    let (transcripts, _) = try KaldiTextReader.read(path: textPath)
    #expect(transcripts.keys.contains { $0.utf8.count == 5_000_000 })
    let cuedPath = workspace.write(FileMutator.withHugeLine(Self.cued, atLine: 2), name: "huge.cued")
    let error = #expect(throws: InputError.self) { _ = try CUEDNBestReader(path: cuedPath).readAll() }
    #expect(error?.description.hasPrefix("\(cuedPath):2: ") == true)
    let arpaPath = workspace.write(FileMutator.withHugeLine(Self.arpa, atLine: 8), name: "huge.arpa")
    let arpaError = #expect(throws: InputError.self) { _ = try ARPAModel(path: arpaPath) }
    #expect(arpaError?.description.hasPrefix("\(arpaPath):8: ") == true)
    #expect(Date().timeIntervalSince(start) < 20)
  }
}
