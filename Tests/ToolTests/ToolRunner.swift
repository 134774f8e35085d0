import Foundation

/// Runs the toolkit's executables from CLI tests: finds the built binaries next to the test
/// bundle and captures stdout, stderr and the exit status. OpenBLAS is pinned to the Haswell
/// kernels and one thread, as in development.
enum ToolRunner {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the process ended by a signal (then `status` is the signal number).
    var signaled = false
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  /// The directory holding the built executables (`.build/<configuration>`).
  static let binaryDirectory: URL = {
    let bundle = Bundle.main.bundleURL
    let candidates = [
      bundle, bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent(),
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
    ]
    return candidates.first {
      FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("rescore-nbest").path)
    }
      ?? bundle
  }()

  static func path(of tool: String) -> String { binaryDirectory.appendingPathComponent(tool).path }

  static func isBuilt(_ tool: String) -> Bool { FileManager.default.isExecutableFile(atPath: path(of: tool)) }

  static func makeProcess(_ tool: String, _ arguments: [String], currentDirectory: String?) -> Process {
    let process = Process()
    process.executableURL = binaryDirectory.appendingPathComponent(tool)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = environment["OPENBLAS_CORETYPE"] ?? "Haswell"
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    return process
  }

  /// Runs `tool` with `arguments` to completion.
  static func run(_ tool: String, _ arguments: [String], stdin: String? = nil, currentDirectory: String? = nil) throws
    -> Result
  {
    let process = makeProcess(tool, arguments, currentDirectory: currentDirectory)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    // Input that fits the pipe buffer is written before the start, while this process still
    // holds the read end: a tool that exits without reading (a usage error) cannot make the
    // write raise SIGPIPE in the test process.
    let data = Data((stdin ?? "").utf8)
    let early = data.count < 1 << 15
    if early { try input.fileHandleForWriting.write(contentsOf: data) }
    try process.run()
    if !early { try? input.fileHandleForWriting.write(contentsOf: data) }
    try input.fileHandleForWriting.close()
    return collect(process, out: out, err: err)
  }

  /// Reads both pipes of a started process concurrently (so that neither can fill up and
  /// block the child) and waits for it.
  static func collect(_ process: Process, out: Pipe, err: Pipe) -> Result {
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
      stderr: String(decoding: errorData, as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal)
  }

  /// Starts `tool` without waiting (for tests that signal it); stdout and stderr go to the
  /// given files, or nowhere.
  static func launch(_ tool: String, _ arguments: [String], stdout: String? = nil, stderr: String? = nil) throws
    -> Process
  {
    let process = makeProcess(tool, arguments, currentDirectory: nil)
    func handle(_ path: String?) -> FileHandle {
      guard let path else { return FileHandle.nullDevice }
      precondition(FileManager.default.createFile(atPath: path, contents: nil), "cannot create \(path)")
      return FileHandle(forWritingAtPath: path)!
    }
    process.standardOutput = handle(stdout)
    process.standardError = handle(stderr)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Runs a bash script with the built tools first on the PATH (for redirections such as
  /// `> /dev/full` and limits such as `ulimit -f`).
  static func runShell(_ script: String) throws -> Result {
    let process = makeProcess("", [], currentDirectory: nil)
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "PATH=\"$1:$PATH\"; shift; " + script, "bash", binaryDirectory.path]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return collect(process, out: out, err: err)
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
