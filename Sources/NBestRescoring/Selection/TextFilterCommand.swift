import FileIO
import Foundation
import WERScoring

#if canImport(Glibc)
  import Glibc
#endif

/// A shell command that filters a Kaldi text table before scoring, as `score_kaldi.sh`'s
/// `hyp_filtering_cmd` and `ref_filtering_cmd` (`local/wer_output_filter`, `utils/wer_hyp_filter`,
/// a `sed`, ...): run once by `/bin/sh -c` with the whole table (`key w1 w2 ...` lines) on
/// standard input; its standard output is the filtered table. A non-zero exit status is an
/// error with the status.
///
/// The command must be line-wise, as every score_kaldi.sh filter is: one output line per
/// input line, in order, with the same key first. This is checked, and a command that drops,
/// adds or reorders lines is an error naming the line, so a filter can never silently change
/// which utterances are scored.
public struct TextFilterCommand: Sendable, Equatable {
  public let command: String
  /// The option that gave it (`--hyp-filter`), used in messages.
  public let option: String

  public init(command: String, option: String) {
    self.command = command
    self.option = option
  }

  /// The filtered `table` (the same keys in the same order). `directory` holds the
  /// temporary input file while the command runs.
  public func apply(to table: [(key: String, words: [String])], directory: String) throws -> [(
    key: String, words: [String]
  )] {
    let run = try Run(filter: self, directory: directory)
    for entry in table { try run.write(key: entry.key, words: entry.words) }
    try run.startReading()
    var result: [(key: String, words: [String])] = []
    result.reserveCapacity(table.count)
    for entry in table { result.append((entry.key, try run.next(key: entry.key))) }
    try run.finish()
    return result
  }

  /// One run of the command over a table written line by line to a temporary file
  /// (registered for removal on SIGINT/SIGTERM/SIGHUP, removed by `finish()` or on deinit),
  /// then read back line by line in the same order. Memory: one line.
  final class Run {
    let filter: TextFilterCommand
    private let path: String
    private var registration: Int?
    private var file: UnsafeMutablePointer<FILE>?
    private var output: LineReader?
    private var linesWritten = 0

    init(filter: TextFilterCommand, directory: String) throws {
      self.filter = filter
      var template = Array("\(directory)/.rescore-nbest.filter.XXXXXX".utf8CString)
      let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
      guard fd >= 0 else {
        throw InputError(
          "cannot create the input file of \(filter.option): \(String(cString: strerror(errno)))", file: directory)
      }
      path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      registration = TemporaryFileRegistry.register(path)
      guard let file = fdopen(fd, "w") else {
        Glibc.close(fd)
        unlink(path)
        TemporaryFileRegistry.unregister(registration)
        throw InputError(
          "cannot open the input file of \(filter.option): \(String(cString: strerror(errno)))", file: path)
      }
      self.file = file
    }

    deinit {
      if let file { fclose(file) }
      output = nil
      if registration != nil {
        unlink(path)
        TemporaryFileRegistry.unregister(registration)
      }
    }

    /// Appends the line `key w1 w2 ...`.
    func write(key: String, words: [String]) throws {
      let line = (words.isEmpty ? key : key + " " + words.joined(separator: " ")) + "\n"
      var bytes = line
      try bytes.withUTF8 { buffer in
        guard fwrite(buffer.baseAddress!, 1, buffer.count, file) == buffer.count else {
          throw InputError(
            "cannot write the input of \(filter.option): \(String(cString: strerror(errno)))", file: path)
        }
      }
      linesWritten += 1
    }

    /// Closes the input and starts the command on it.
    func startReading() throws {
      let status = fclose(file)
      file = nil
      guard status == 0 else {
        throw InputError("cannot write the input of \(filter.option): \(String(cString: strerror(errno)))", file: path)
      }
      let quoted = "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
      output = try LineReader(path: "( \(filter.command) ) < \(quoted) |")
    }

    /// The words of the next output line, which must start with `key`.
    func next(key: String) throws -> [String] {
      let line: String?
      do { line = try output!.nextLine() } catch let error as InputError {
        throw failure(error.message)
      }
      guard let line else {
        throw failure("it printed \(output!.lineNumber) lines for \(linesWritten) input lines (it must be line-wise)")
      }
      var fields = WhitespaceTokenizer.tokens(of: line).map(String.init)
      guard fields.first == key else {
        throw failure(
          "output line \(output!.lineNumber) starts with '\(fields.first ?? "")', expected the key '\(key)' (it must keep each line's key, in order)"
        )
      }
      fields.removeFirst()
      return fields
    }

    /// Checks that the command printed nothing more and succeeded, and removes the input file.
    func finish() throws {
      do {
        if try output!.nextLine() != nil {
          throw failure("it printed more lines than the \(linesWritten) input lines (it must be line-wise)")
        }
      } catch let error as InputError where error.file != filter.option {
        throw failure(error.message)
      }
      output = nil
      unlink(path)
      TemporaryFileRegistry.unregister(registration)
      registration = nil
    }

    private func failure(_ what: String) -> InputError {
      InputError("'\(filter.command)': \(what)", file: filter.option)
    }
  }
}
