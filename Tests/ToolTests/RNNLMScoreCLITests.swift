import Foundation
import Testing

@Suite struct RNNLMScoreCLITests {
  @Test func printsOneCostPerLineWithKeys() throws {
    let directory = try ToolRunner.temporaryDirectory()
    try ToolRunner.write(["text": "s1 the cat sat\ns2 a zebra ran on the mat\ns3\n"], in: directory)
    let result = try ToolRunner.run(
      "rnnlm-score", ["--model", try RescoringFixture.model(), "--text", directory + "/text", "--utt-ids"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
    #expect(lines.map { String($0[0]) } == ["s1", "s2", "s3"])
    for line in lines {
      #expect(line.count == 2)
      #expect((Double(line[1]) ?? -1) > 0)
    }
  }

  @Test func unnormalizedDiffersAndThreadsDoNot() throws {
    let text = "the cat sat\nthe dog ran on a mat\n\na big dog\n"
    let model = try RescoringFixture.model()
    let normalized = try ToolRunner.run("rnnlm-score", ["--model", model, "--text", "-"], stdin: text)
    let threaded = try ToolRunner.run("rnnlm-score", ["--model", model, "--text", "-", "--threads", "2"], stdin: text)
    let unnormalized = try ToolRunner.run(
      "rnnlm-score", ["--model", model, "--text", "-", "--unnormalized"], stdin: text)
    #expect(normalized.status == 0 && threaded.status == 0 && unnormalized.status == 0)
    #expect(normalized.stdout.split(separator: "\n").count == 4)
    #expect(threaded.stdout == normalized.stdout)
    #expect(unnormalized.stdout.split(separator: "\n").count == 4)
    #expect(unnormalized.stdout != normalized.stdout)
  }

  @Test func missingModelIsAnError() throws {
    let result = try ToolRunner.run("rnnlm-score", ["--model", "/nonexistent/m.mdl", "--text", "-"], stdin: "a\n")
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("ERROR (rnnlm-score): /nonexistent/m.mdl"))
  }
}
