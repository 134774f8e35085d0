import Foundation
import Testing

/// Kaldi's `--config FILE`: options from the file apply, the command line overrides them.
@Suite struct ConfigFileTests {
  @Test func optionsFromTheFileApplyAndTheCommandLineWins() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ToolRunner.write(
      [
        "ref": "u1 a b c\nu2 d e\n",
        "hyp": "u1 a x c\n",
        "present.conf": "# score only the utterances present in hyp\n--mode=present\n\n",
        "strict.conf": "--mode=strict\n",
      ], in: directory)
    let ref = directory + "/ref"
    let hyp = directory + "/hyp"
    let fromFile = try ToolRunner.run("compute-wer", ["--config", directory + "/present.conf", ref, hyp])
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    #expect(fromFile.stdout.hasPrefix("%WER 33.33 [ 1 / 3, 0 ins, 0 del, 1 sub ] [PARTIAL]"))
    // The command line overrides the file.
    let overridden = try ToolRunner.run(
      "compute-wer", ["--config=\(directory)/present.conf", "--mode=strict", ref, hyp])
    #expect(overridden.status == 1)
    let strict = try ToolRunner.run(
      "compute-wer", ["--config", directory + "/strict.conf", "--mode", "present", ref, hyp])
    #expect(strict.status == 0, "\(strict.stderr)")
  }
}
