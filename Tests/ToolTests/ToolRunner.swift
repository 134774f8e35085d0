import Foundation

/// Runs the toolkit's executables from CLI tests: finds the built binaries next to the test
/// bundle and captures stdout, stderr and the exit status.
enum ToolRunner {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The directory holding the built executables (`.build/<configuration>`).
  static let binaryDirectory: URL = {
    let bundle = Bundle.main.bundleURL
    let candidates = [
      bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent(),
    ]
    return candidates.first {
      FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("rescore-nbest").path)
    }
      ?? bundle
  }()

  /// Runs `tool` with `arguments` (OpenBLAS pinned to the Haswell kernels, as in development).
  static func run(_ tool: String, _ arguments: [String], stdin: String? = nil) throws -> Result {
    let process = Process()
    process.executableURL = binaryDirectory.appendingPathComponent(tool)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = environment["OPENBLAS_CORETYPE"] ?? "Haswell"
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so that neither can fill up and block the child.
    nonisolated(unsafe) var errorData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errorData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outputData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
      stderr: String(decoding: errorData, as: UTF8.self))
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "tool-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes `files` (relative path -> content) under `directory`, creating subdirectories.
  static func write(_ files: [String: String], in directory: String) throws {
    for (name, content) in files {
      let path = (directory as NSString).appendingPathComponent(name)
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try content.write(toFile: path, atomically: false, encoding: .utf8)
    }
  }

  static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}
