import FileIO
import Foundation
import TestSupport
import Testing

@testable import WERScoring

/// `compute-wer`'s run as a library call: option consistency, the scores, and the output rules
/// of `--details` (outputs are never inputs; a failed run leaves the previous files as they were).
struct ComputeWERPipelineTests {
  static let reference = "s1-a the cat sat\ns1-b a b c d\ns2-c one two\n"
  static let hypothesis = "s1-a the cat sat\ns1-b a x c d e\ns2-c two\n"

  func write(_ files: [String: String], in directory: String) {
    for (name, text) in files { writeBytes(Array(text.utf8), to: directory + "/" + name) }
  }

  func contents(_ directory: String) -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
      result[name] = FileManager.default.contents(atPath: directory + "/" + name).map { [UInt8]($0) }
    }
    return result
  }

  @Test func contradictoryOptionsAreUsageErrors() throws {
    let refused: [(String, () throws -> ComputeWERRequest)] = [
      (
        "--mode must be strict, present or all, got 'some'",
        { try ComputeWERRequest(reference: "r", hypothesis: "h", mode: "some") }
      ),
      (
        "--align must be kaldi or sclite, got 'nist'",
        { try ComputeWERRequest(reference: "r", hypothesis: "h", align: "nist") }
      ),
      (
        "--sclite contradicts --align=kaldi",
        { try ComputeWERRequest(reference: "r", hypothesis: "h", align: "kaldi", sclite: true) }
      ),
      (
        "--utt2spk and --special-symbol only apply with --details DIR",
        { try ComputeWERRequest(reference: "r", hypothesis: "h", utteranceToSpeakerFile: "u") }
      ),
      (
        "--special-symbol must be one non-empty word",
        { try ComputeWERRequest(reference: "r", hypothesis: "h", detailsDirectory: "d", epsilon: "a b") }
      ),
      ("only one of REF and HYP can be standard input", { try ComputeWERRequest(reference: "-", hypothesis: "ark:-") }),
    ]
    for (message, make) in refused {
      let error = #expect(throws: ComputeWERRequest.UsageError.self, "\(message)") { _ = try make() }
      #expect(error?.description == message)
    }
    #expect(try ComputeWERRequest(reference: "r", hypothesis: "h", sclite: true).rule == .sclite)
    #expect(try ComputeWERRequest(reference: "r", hypothesis: "h", align: "sclite").rule == .sclite)
    #expect(try ComputeWERRequest(reference: "r", hypothesis: "h").rule == .kaldi)
  }

  @Test func runScoresAndWritesTheThreeDetailsFiles() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    write(["ref": Self.reference, "hyp": Self.hypothesis], in: directory)
    let details = directory + "/details"
    let result = try ComputeWERPipeline.run(
      ComputeWERRequest(
        reference: directory + "/ref", hypothesis: "ark,t:" + directory + "/hyp", detailsDirectory: details))
    #expect(result.utteranceCount == 3)
    #expect(result.summary.counts == EditCounts(insertions: 1, deletions: 1, substitutions: 1, referenceWords: 9))
    let files = contents(details)
    #expect(files.keys.sorted() == ["ops", "per_spk", "per_utt"])
    let expected = try DetailsWriter(rule: .kaldi).texts(
      for: CorpusScorer().score(
        references: KaldiTextTable.read(directory + "/ref"), hypotheses: KaldiTextTable.read(directory + "/hyp"),
        hypothesisSource: "hyp"
      ).utterances)
    #expect(files["per_utt"] == Array(expected.perUtterance.utf8))
    #expect(files["ops"] == Array(expected.ops.utf8))
    #expect(files["per_spk"] == Array(expected.perSpeaker.utf8))
  }

  /// `--details D` may not replace a file the run reads: a reference at `D/per_utt`, or a
  /// details directory that is itself the hypothesis file. Nothing is read or written.
  @Test func detailsThatWouldOverwriteAnInputAreRefused() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    let details = directory + "/d"
    try FileManager.default.createDirectory(atPath: details, withIntermediateDirectories: true)
    write(["d/per_utt": Self.reference, "hyp": Self.hypothesis, "map": "x y\n"], in: directory)
    let cases: [(ComputeWERRequest, String)] = [
      (
        try ComputeWERRequest(
          reference: "ark:" + details + "/per_utt", hypothesis: directory + "/hyp", detailsDirectory: details),
        "\(details)/per_utt: output would overwrite the input REF 'ark:\(details)/per_utt'; write it elsewhere"
      ),
      (
        try ComputeWERRequest(
          reference: details + "/per_utt", hypothesis: directory + "/hyp", detailsDirectory: directory + "/hyp"),
        "\(directory)/hyp: output would overwrite the input HYP '\(directory)/hyp'; write it elsewhere"
      ),
      (
        try ComputeWERRequest(
          reference: directory + "/hyp", hypothesis: directory + "/hyp", mappingFile: directory + "/d/ops",
          detailsDirectory: details),
        "\(details)/ops: output would overwrite the input --map '\(details)/ops'; write it elsewhere"
      ),
    ]
    let before = contents(details)
    for (request, message) in cases {
      let error = #expect(throws: InputError.self) { try ComputeWERPipeline.run(request) }
      #expect(error?.description == message)
    }
    #expect(contents(details) == before)
    #expect(FileManager.default.contents(atPath: directory + "/hyp") == Data(Self.hypothesis.utf8))
  }

  /// A run that fails after scoring (an utterance missing from utt2spk) leaves the previous
  /// details byte-identical and no temporary file behind.
  @Test func aFailedRunLeavesThePreviousDetailsByteIdentical() throws {
    let directory = try makeTemporaryDirectory()
    defer { removeTree(directory) }
    write(["ref": Self.reference, "hyp": Self.hypothesis, "utt2spk": "s1-a A\ns1-b B\n"], in: directory)
    let details = directory + "/details"
    _ = try ComputeWERPipeline.run(
      ComputeWERRequest(reference: directory + "/ref", hypothesis: directory + "/hyp", detailsDirectory: details))
    let before = contents(details)
    let failing = try ComputeWERRequest(
      reference: directory + "/ref", hypothesis: directory + "/ref", detailsDirectory: details,
      utteranceToSpeakerFile: directory + "/utt2spk")
    #expect(throws: InputError("utterance 's2-c' is not in utt2spk", file: directory + "/utt2spk")) {
      try ComputeWERPipeline.run(failing)
    }
    #expect(contents(details) == before)
  }
}
