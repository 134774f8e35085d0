import Foundation
import NCECore

/// Streams the lines of a text file that may be plain, zstd- (`.zst`) or gzip-compressed
/// (`.gz`), or `-` for stdin.
///
/// Plain, `.zst` and stdin go through `NCECore.LineReader`. `.gz` files are decompressed by
/// the system's `gzip -dc` in a child process, as Kaldi does with `gunzip -c |`; a corrupt
/// file or a missing `gzip` is an `InputError` naming the file. Either way a trailing `\r` is
/// removed, lines must be valid UTF-8, and memory is bounded by the longest line.
public final class TextLineReader {
  /// The path as given (used in error messages).
  public let path: String
  private let plain: LineReader?
  private let gzip: GzipLineStream?

  public init(path: String) throws {
    self.path = path
    if path.hasSuffix(".gz") {
      plain = nil
      gzip = try GzipLineStream(path: path)
    } else {
      plain = try LineReader(path: path)
      gzip = nil
    }
  }

  /// 1-based number of the line last returned.
  public var lineNumber: Int { plain?.lineNumber ?? gzip!.lineNumber }

  /// The next line without its terminator, or nil at the end of input.
  public func nextLine() throws -> String? {
    if let plain { return try plain.nextLine() }
    return try gzip!.nextLine()
  }

  /// An `InputError` located at the line last returned.
  public func error(_ message: String) -> InputError {
    InputError(message, file: path, line: lineNumber)
  }
}

/// Lines of a `.gz` file read from a `gzip -dc` child process.
final class GzipLineStream {
  let path: String
  private(set) var lineNumber = 0
  private let process: Process
  private let output: FileHandle
  private var buffer: [UInt8] = []
  private var start = 0
  private var endOfInput = false

  init(path: String) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw InputError("no such file", file: path)
    }
    if isDirectory.boolValue { throw InputError("is a directory, expected a file", file: path) }
    let pipe = Pipe()
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", "--", path]
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch {
      throw InputError("cannot run gzip to decompress: \(error.localizedDescription)", file: path)
    }
    output = pipe.fileHandleForReading
  }

  deinit {
    if process.isRunning { process.terminate() }
    try? output.close()
  }

  func nextLine() throws -> String? {
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        return try takeLine(upTo: newline, next: newline + 1)
      }
      if endOfInput {
        if start < buffer.count { return try takeLine(upTo: buffer.count, next: buffer.count) }
        return nil
      }
      try refill()
    }
  }

  private func takeLine(upTo end: Int, next: Int) throws -> String {
    lineNumber += 1
    var stop = end
    if stop > start && buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
    let bytes = buffer[start..<stop]
    start = next
    guard let line = String(validating: bytes, as: UTF8.self) else {
      throw InputError("invalid UTF-8", file: path, line: lineNumber)
    }
    return line
  }

  private func refill() throws {
    if start > 0 {
      buffer.removeSubrange(0..<start)
      start = 0
    }
    let chunk: Data
    do {
      chunk = try output.read(upToCount: 1 << 20) ?? Data()
    } catch {
      throw InputError("read error: \(error.localizedDescription)", file: path)
    }
    if chunk.isEmpty {
      endOfInput = true
      process.waitUntilExit()
      if process.terminationStatus != 0 {
        throw InputError("gzip could not decompress (corrupt or not gzip)", file: path)
      }
      return
    }
    buffer.append(contentsOf: chunk)
  }
}
