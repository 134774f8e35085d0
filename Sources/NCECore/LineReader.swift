import Foundation

/// Streams the lines of a text file: plain, zstd-compressed (`.zst`), gzip-compressed (`.gz`,
/// through the system's `gzip -dc` in a child process, as Kaldi's `gunzip -c |`) or `-` for
/// stdin.
///
/// Lines are split on `\n`; a trailing `\r` is removed (CRLF files). Each line must be valid
/// UTF-8, otherwise reading stops with an `InputError` naming the file and line. Memory use is
/// bounded by the longest line, not the file size.
public final class LineReader: Sequence, IteratorProtocol {
  public let path: String
  /// 1-based number of the line last returned.
  public private(set) var lineNumber = 0

  private var handle: FileHandle
  private let closeOnDeinit: Bool
  private let decompressor: ZstdDecompressionStream?
  private let gzipProcess: Process?
  private var buffer: [UInt8] = []
  private var start = 0
  private var endOfInput = false
  private static let chunkSize = 1 << 20

  /// Opens `path`; `.zst` files are decompressed on the fly, `-` reads standard input.
  public init(path: String) throws {
    self.path = path
    if path == "-" {
      handle = FileHandle.standardInput
      closeOnDeinit = false
    } else {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw InputError("no such file", file: path)
      }
      if isDirectory.boolValue { throw InputError("is a directory, expected a file", file: path) }
      guard let opened = FileHandle(forReadingAtPath: path) else {
        throw InputError("cannot open for reading", file: path)
      }
      handle = opened
      closeOnDeinit = true
    }
    decompressor = path.hasSuffix(".zst") ? try ZstdDecompressionStream(file: path) : nil
    gzipProcess = path.hasSuffix(".gz") ? try Self.startGzip(reading: handle, path: path) : nil
    if let gzipProcess { handle = (gzipProcess.standardOutput as! Pipe).fileHandleForReading }
  }

  deinit {
    if let gzipProcess, gzipProcess.isRunning { gzipProcess.terminate() }
    if closeOnDeinit { try? handle.close() }
  }

  /// `gzip -dc` reading `file` on its standard input, writing to a pipe.
  private static func startGzip(reading file: FileHandle, path: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc"]
    process.standardInput = file
    process.standardOutput = Pipe()
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch {
      throw InputError("cannot run gzip to decompress: \(error.localizedDescription)", file: path)
    }
    return process
  }

  /// Reads every line of `path` at once (for small files such as vocabularies).
  public static func lines(of path: String) throws -> [String] {
    let reader = try LineReader(path: path)
    var result: [String] = []
    while let line = try reader.nextLine() { result.append(line) }
    return result
  }

  /// The next line without its terminator, or nil at the end of input.
  public func nextLine() throws -> String? {
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

  /// `Sequence` conformance for loops where errors should stop the program: a read error
  /// ends the sequence and is kept in `error`.
  public private(set) var error: Error?
  public func next() -> String? {
    do { return try nextLine() } catch {
      self.error = error
      return nil
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
      chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
    } catch {
      throw InputError("read error: \(error.localizedDescription)", file: path)
    }
    if chunk.isEmpty {
      endOfInput = true
      try decompressor?.finish()
      if let gzipProcess {
        gzipProcess.waitUntilExit()
        if gzipProcess.terminationStatus != 0 {
          throw InputError("gzip could not decompress (corrupt or not gzip)", file: path)
        }
      }
      return
    }
    if let decompressor {
      try decompressor.feed(ArraySlice(chunk)) { buffer.append(contentsOf: $0) }
    } else {
      buffer.append(contentsOf: chunk)
    }
  }
}
