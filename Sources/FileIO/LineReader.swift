import Foundation

/// Streams the lines of a text file: plain, zstd-compressed (`.zst`), gzip-compressed (`.gz`,
/// through the system's `gzip -dc` in a child process, as Kaldi's `gunzip -c |`), `-` for
/// stdin, or the output of a command written as Kaldi writes one (`"cut -d' ' -f1 text |"`:
/// run by `/bin/sh`, a non-zero exit status is an error).
///
/// Lines are split on `\n`; a trailing `\r` is removed (CRLF files). Each line must be valid
/// UTF-8, otherwise reading stops with an `InputError` naming the file and line (or, with
/// `skippingInvalidUTF8`, the line is skipped: Kaldi's permissive `ark,p:`). A byte-order mark
/// at the start of the input is always an error naming the file (line 1): Kaldi would read a
/// UTF-8 mark as part of the first word or key, so it is refused rather than silently kept
/// or dropped; a UTF-16 mark says the text must be converted. Memory use is bounded by the
/// longest line, not the file size.
public final class LineReader: Sequence, IteratorProtocol {
  public let path: String
  /// 1-based number of the line last returned.
  public private(set) var lineNumber = 0

  private var handle: FileHandle
  private let closeOnDeinit: Bool
  private let decompressor: ZstdDecompressionStream?
  /// `gzip -dc` or a piped command, and what its failure means.
  private let child: (process: Process, failure: String)?
  private var buffer: [UInt8] = []
  private var start = 0
  private var endOfInput = false
  private let skippingInvalidUTF8: Bool
  private static let chunkSize = 1 << 20

  /// Opens `path`; `.zst` files are decompressed on the fly, `-` reads standard input, and a
  /// path ending in `|` is a command whose output is read. With `skippingInvalidUTF8`, lines
  /// that are not valid UTF-8 are skipped (still counted in `lineNumber`).
  public init(path: String, skippingInvalidUTF8: Bool = false) throws {
    self.path = path
    self.skippingInvalidUTF8 = skippingInvalidUTF8
    if let command = Self.pipeCommand(path) {
      let process = try Self.start(["/bin/sh", "-c", command], input: nil, stderr: nil, path: path)
      handle = (process.standardOutput as! Pipe).fileHandleForReading
      closeOnDeinit = true
      decompressor = nil
      child = (process, "the command failed")
      return
    }
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
    if path.hasSuffix(".gz") {
      let gzip = try Self.start(
        ["/usr/bin/env", "gzip", "-dc"], input: handle, stderr: FileHandle.nullDevice, path: path)
      handle = (gzip.standardOutput as! Pipe).fileHandleForReading
      child = (gzip, "gzip could not decompress (corrupt or not gzip)")
    } else {
      child = nil
    }
  }

  deinit {
    if let child, child.process.isRunning { child.process.terminate() }
    if closeOnDeinit { try? handle.close() }
  }

  /// The command of a Kaldi pipe rxfilename (`"cmd |"`), or nil.
  static func pipeCommand(_ path: String) -> String? {
    let trimmed = path.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasSuffix("|") else { return nil }
    return String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces)
  }

  /// Starts `arguments` writing to a pipe; `input` nil keeps this process's standard input,
  /// `stderr` nil its standard error (a command's messages reach the user, as in Kaldi).
  private static func start(_ arguments: [String], input: FileHandle?, stderr: FileHandle?, path: String) throws
    -> Process
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    if let input { process.standardInput = input }
    process.standardOutput = Pipe()
    if let stderr { process.standardError = stderr }
    do { try process.run() } catch {
      throw InputError("cannot run \(arguments.joined(separator: " ")): \(error.localizedDescription)", file: path)
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
        if let line = try takeLine(upTo: newline, next: newline + 1) { return line }
        continue
      }
      if endOfInput {
        if start < buffer.count, let line = try takeLine(upTo: buffer.count, next: buffer.count) {
          return line
        }
        if start < buffer.count { continue }
        return nil
      }
      try refill()
    }
  }

  /// An `InputError` located at the line last returned.
  public func error(_ message: String) -> InputError {
    InputError(message, file: path, line: lineNumber)
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

  /// The line `buffer[start..<end]` (its `\r` removed), or nil when it is skipped.
  private func takeLine(upTo end: Int, next: Int) throws -> String? {
    lineNumber += 1
    var stop = end
    if stop > start && buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
    let bytes = buffer[start..<stop]
    start = next
    if lineNumber == 1 { try Self.checkByteOrderMark(bytes, path: path) }
    guard let line = String(validating: bytes, as: UTF8.self) else {
      if skippingInvalidUTF8 { return nil }
      throw InputError("invalid UTF-8", file: path, line: lineNumber)
    }
    return line
  }

  /// The byte-order-mark policy of every text input: refused, naming the file.
  static func checkByteOrderMark(_ bytes: ArraySlice<UInt8>, path: String) throws {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      throw InputError(
        "starts with a UTF-8 byte-order mark, which would become part of the first word; remove it (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)",
        file: path, line: 1)
    }
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      throw InputError(
        "UTF-16 text (byte-order mark); convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)", file: path, line: 1)
    }
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
      if let child {
        child.process.waitUntilExit()
        if child.process.terminationStatus != 0 || child.process.terminationReason != .exit {
          throw InputError("\(child.failure) (exit status \(child.process.terminationStatus))", file: path)
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
