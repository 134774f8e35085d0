import Foundation

/// Helpers shared by the NBestRescoring tests.
enum TestSupport {
  /// `Tests/NBestRescoringTests/Fixtures/<name>`.
  static func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures").appendingPathComponent(name).path
  }

  /// `Tests/NBestRescoringTests/Reference/<name>`.
  static func referenceScript(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Reference").appendingPathComponent(name).path
  }

  /// The shared real N-best set in `../shared` beside the repository, when it exists.
  static let nbestDev: String? = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../shared/data/nbest-dev").standardized.path
    return FileManager.default.fileExists(atPath: path + "/archives.1/words_text") ? path : nil
  }()

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "nbest-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes `files` (name -> content) into a fresh temporary directory and returns it.
  static func directory(with files: [String: String]) throws -> String {
    let directory = try temporaryDirectory()
    for (name, content) in files {
      try content.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
    }
    return directory
  }

  /// Runs a program, returning its exit status and standard output.
  static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Whether `python3` with KenLM's module can be run.
  static let kenlmAvailable: Bool = {
    (try? run(["python3", "-c", "import kenlm"]).status) == 0
  }()
}
