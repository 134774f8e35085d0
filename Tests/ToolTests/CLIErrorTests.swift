import Foundation
import NCEModel
import Testing

/// Bad input to a tool gives exactly one stderr line `ERROR (<tool>): ...` and a non-zero exit
/// (1 for bad input, 64 for bad usage), never a crash; `--help` prints usage on stdout, exit 0.
@Suite struct CLIErrorTests {
  /// Input files shared by the cases, created once.
  static let fixtures: String = {
    let directory = NSTemporaryDirectory() + "cli-error-fixtures-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    func write(_ name: String, _ bytes: [UInt8]) {
      try! Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
    }
    write("train.txt", Array("the cat sat\nthe dog ran\na cat ran\n".utf8))
    write("empty.txt", [])
    write("blank.txt", Array("\n  \n\t\n".utf8))
    write("badutf8.txt", Array("the cat\nthe ".utf8) + [0xC3, 0x28] + Array(" dog\n".utf8))
    write("vocab-dup.txt", Array("the\ncat\nthe\n".utf8))
    write("vocab-count.txt", Array("the 3\ncat x\n".utf8))
    write("boundary.txt", Array("the cat\n<s> the dog </s>\n".utf8))
    write("model.mdl.last", Array("NCERNNLM garbage".utf8))
    write("ref.txt", Array("u1 the cat\nu2 a dog\n".utf8))
    write("hyp.txt", Array("u1 the cat\nu2 a cat\n".utf8))
    write("hyp-dup.txt", Array("u1 the cat\nu1 a cat\n".utf8))
    write("hyp-badutf8.txt", Array("u1 the cat\nu2 a ".utf8) + [0xFF] + Array("\n".utf8))
    return directory
  }()

  /// One command line and what its error line must contain (`@` stands for the fixtures).
  struct Case: Sendable, CustomTestStringConvertible {
    var tool: String
    var arguments: [String]
    var status: Int32
    var message: String
    var testDescription: String { "\(tool) \(arguments.joined(separator: " "))" }

    init(_ tool: String, _ arguments: String, status: Int32 = 1, _ message: String) {
      self.tool = tool
      self.arguments = arguments.split(separator: " ").map(String.init)
      self.status = status
      self.message = message
    }
  }

  static let small = "--emsize 4 --nhid 4 --nlayers 1 --epochs 1 --batch-size 2"
  static let cases: [Case] = [
    Case("rnnlm-train", "--train-text @/missing.txt --save @/out.mdl", "@/missing.txt: no such file"),
    Case("rnnlm-train", "--train-text @/empty.txt --save @/out.mdl", "@/empty.txt: no sentences"),
    Case("rnnlm-train", "--train-text @/blank.txt --save @/out.mdl", "@/blank.txt: no sentences"),
    Case("rnnlm-train", "--train-text @/badutf8.txt --save @/out.mdl", "@/badutf8.txt:2: invalid UTF-8"),
    Case("rnnlm-train", "--train-text @/boundary.txt --save @/out.mdl", "@/boundary.txt:2: reserved word '<s>'"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --vocab @/vocab-dup.txt --save @/out.mdl",
      "@/vocab-dup.txt:3: duplicate word 'the' (first on line 1)"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --vocab @/vocab-count.txt --save @/out.mdl", "@/vocab-count.txt:2: count"
    ),
    Case(
      "rnnlm-train", "--train-text @/train.txt --valid-text @/badutf8.txt --save @/out.mdl",
      "@/badutf8.txt:2: invalid UTF-8"),
    Case(
      "rnnlm-train", "--train-text @/train.txt \(small) --save /nonexistent/dir/m.mdl",
      "/nonexistent/dir/m.mdl.last: cannot create"),
    Case("rnnlm-train", "--train-text @/train.txt --resume --save @/none.mdl", "@/none.mdl.last: no such file"),
    Case("rnnlm-eval", "--model @ --text @/train.txt", "is a directory, expected a model file"),
    Case("rnnlm-train", "--train-text @/train.txt --resume --save @/model.mdl", "@/model.mdl.last: "),
    Case(
      "rnnlm-train", "--train-text @/train.txt --emsize 100000000 --nhid 100000000 --save @/out.mdl",
      "these options need at least"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --loss nce --noise-ratio 1000000000000 --save @/out.mdl",
      "these options need at least"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --threads 3 --batch-size 2 --save @/out.mdl",
      "--threads 3 exceeds --batch-size 2: each worker trains at least one stream"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --concat --batch-size 100 --save @/out.mdl",
      "--batch-size 100 with --concat cuts the training text (12 tokens) into more streams than it has tokens"),
    Case("rnnlm-train", "--train-text @/train.txt --lr=-1", status: 64, "--lr must be a positive number, got -1.0"),
    Case("rnnlm-train", "--train-text @/train.txt --clip=-1", status: 64, "--clip must be a number >= 0"),
    Case("rnnlm-train", "--train-text @/train.txt --clip=nan", status: 64, "--clip must be a number >= 0"),
    Case("rnnlm-train", "--train-text @/train.txt --momentum=1.5", status: 64, "--momentum must be in [0, 1), got 1.5"),
    Case(
      "rnnlm-train", "--train-text @/train.txt --weight-decay=-1", status: 64, "--weight-decay must be a number >= 0"),
    Case("rnnlm-train", "--train-text @/train.txt --lr-decay=inf", status: 64, "--lr-decay must be a number >= 1"),
    Case("rnnlm-train", "--train-text @/train.txt --log-interval=-1", status: 64, "--log-interval must be at least 0"),
    Case("rnnlm-train", "--train-text @/train.txt --cell tanh", status: 64, "tanh"),
    Case("rnnlm-train", "--train-text @/train.txt --epochs many", status: 64, "many"),
    Case("rnnlm-train", "--train-text @/train.txt --norm-term x", status: 64, "--norm-term must be a number"),
    Case("rnnlm-train", "--train-text @/train.txt --no-such-option", status: 64, "--no-such-option"),
    Case("rnnlm-train", "--save @/out.mdl", status: 64, "give --data DIR or --train-text FILE"),
    Case("rnnlm-train", "--config @/missing.conf", status: 64, "@/missing.conf"),
    Case("compute-wer", "@/missing.txt @/hyp.txt", "@/missing.txt: no such file"),
    Case("compute-wer", "@/ref.txt @/hyp-dup.txt", "@/hyp-dup.txt:2: duplicate key 'u1'"),
    Case("compute-wer", "@/ref.txt @/hyp-badutf8.txt", "@/hyp-badutf8.txt:2: invalid UTF-8"),
    Case("compute-wer", "@/ref.txt @/empty.txt", "@/empty.txt: no hypothesis for key 'u1'"),
    Case("compute-wer", "--mode sometimes @/ref.txt @/hyp.txt", status: 64, "sometimes"),
    Case("compute-wer", "scp:@/ref.txt @/hyp.txt", "scp"),
    Case("compute-wer", "@/ref.txt", status: 64, "Missing expected argument '<hypothesis>'"),
  ]

  @Test(arguments: cases)
  func badInputGivesOneErrorLine(_ test: Case) throws {
    try #require(ToolRunner.isBuilt(test.tool))
    let arguments = test.arguments.map { $0.replacingOccurrences(of: "@", with: Self.fixtures) }
    let result = try ToolRunner.run(test.tool, arguments, currentDirectory: Self.fixtures)
    #expect(!result.signaled, "crashed: \(result.stderr)")
    #expect(result.status == test.status, "\(result.stderr)")
    let errors = result.stderrLines.filter { $0.hasPrefix("ERROR") }
    #expect(errors.count == 1, "\(result.stderr)")
    let prefix = "ERROR (\(test.tool)): "
    let expected = test.message.replacingOccurrences(of: "@", with: Self.fixtures)
    #expect(errors.first?.hasPrefix(prefix + (test.message.hasPrefix("@") ? expected : "")) == true, "\(result.stderr)")
    #expect(errors.first?.contains(expected) == true, "\(result.stderr)")
  }

  /// `--resume` checks the options it reads back: a checkpoint whose stored momentum is out of
  /// range (hand-edited, or from another program) is refused, naming the file.
  @Test func resumeRefusesOutOfRangeStoredOptions() throws {
    let directory = try ToolRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let train = Self.fixtures + "/train.txt"
    let save = directory + "/m.mdl"
    let first = try ToolRunner.run(
      "rnnlm-train", ["--train-text", train, "--save", save] + Self.small.split(separator: " ").map(String.init))
    #expect(first.status == 0, "\(first.stderr)")
    var file = try ModelFile.read(path: save + ".last")
    file.options?.momentum = 2
    try file.write(to: save + ".last")
    let resumed = try ToolRunner.run(
      "rnnlm-train", ["--train-text", train, "--save", save, "--resume", "--epochs", "2"])
    #expect(resumed.status == 1)
    #expect(
      resumed.stderrLines.last
        == "ERROR (rnnlm-train): \(save).last: training options: --momentum must be in [0, 1), got 2.0")
  }

  /// Every tool of SPEC §1.
  static let implementedTools = [
    "rnnlm-train", "compute-wer", "rnnlm-eval", "rnnlm-score", "rescore-nbest", "rescore-lattice",
  ]

  @Test func everyToolIsBuilt() {
    for tool in Self.implementedTools { #expect(ToolRunner.isBuilt(tool), "\(tool)") }
  }

  @Test(arguments: implementedTools)
  func helpGoesToStdoutWithStatusZero(tool: String) throws {
    let result = try ToolRunner.run(tool, ["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("USAGE: \(tool)"))
    #expect(result.stderr.isEmpty)
  }
}
