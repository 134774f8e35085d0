import Foundation

/// Runs the package's executables (the debug products built next to the test bundle) for
/// black-box tests, with `OPENBLAS_CORETYPE=Haswell` set as on the CI machines.
enum ToolRunner {
  /// What a finished run produced.
  struct Result {
    var status: Int32
    /// Whether the process ended by a signal (then `status` is the signal number).
    var signaled: Bool
    var stdout: String
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  /// The directory holding the built tools: the test bundle's directory, or `.build/debug`
  /// of the package when the bundle lives elsewhere.
  static let binDirectory: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    if FileManager.default.isExecutableFile(atPath: bundle + "/rnnlm-train") { return bundle }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug")
      .standardized.path
  }()

  static func path(of tool: String) -> String { binDirectory + "/" + tool }

  static func isBuilt(_ tool: String) -> Bool { FileManager.default.isExecutableFile(atPath: path(of: tool)) }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "tooltests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Starts `tool` with `arguments`; stdout and stderr go to the given files (or /dev/null).
  static func launch(
    _ tool: String, _ arguments: [String], stdout: String? = nil, stderr: String? = nil,
    currentDirectory: String? = nil
  ) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path(of: tool))
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = "Haswell"
    process.environment = environment
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    func handle(_ path: String?) -> FileHandle {
      guard let path else { return FileHandle.nullDevice }
      FileManager.default.createFile(atPath: path, contents: nil)
      return FileHandle(forWritingAtPath: path)!
    }
    process.standardOutput = handle(stdout)
    process.standardError = handle(stderr)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Runs `tool` to completion and returns its status and output.
  static func run(_ tool: String, _ arguments: [String], currentDirectory: String? = nil) throws -> Result {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let out = directory + "/stdout", err = directory + "/stderr"
    let process = try launch(tool, arguments, stdout: out, stderr: err, currentDirectory: currentDirectory)
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
  }
}
