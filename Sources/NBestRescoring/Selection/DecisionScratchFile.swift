import FileIO
import Foundation
import NCECore

#if canImport(Glibc)
  import Glibc
#endif

/// The N-best lists of a sweep, with every cost the decision rule combines, written once per
/// utterance during the sweep's pass and read back in the same order: for the scoring pass
/// behind a `--hyp-filter` command (whose output is read only after all lists are in) and for
/// the second pass (the best setting's text, known only after the last utterance). Costs are
/// stored as exact `Double` bits, and the interpolated costs are recomputed from them by the
/// same function, so every pass makes the same choices as the first.
///
/// The file is created in `directory` and unlinked at once, so it never shows in a listing
/// and disappears when the process ends, SIGKILL included. Disk: about 50 bytes plus the
/// words per hypothesis (plus 16 bytes per word with per-word costs), whatever the grid size;
/// memory: the stdio buffer and one list while reading.
final class DecisionScratchFile {
  private let file: UnsafeMutablePointer<FILE>
  private var reading = false

  /// Where the file is (errors name it: a full disk or `ulimit -f` shows here first).
  private let directory: String

  init(directory: String) throws {
    var template = Array("\(directory)/.rescore-nbest.scratch.XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw InputError("cannot create a scratch file: \(String(cString: strerror(errno)))", file: directory)
    }
    _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
    guard let file = fdopen(fd, "w+") else {
      Glibc.close(fd)
      throw InputError("cannot open a scratch file: \(String(cString: strerror(errno)))", file: directory)
    }
    self.file = file
    self.directory = directory
  }

  deinit { fclose(file) }

  /// Appends one list (every field the decision rule reads, and the words).
  func append(_ list: NBestList) throws {
    if reading {
      guard fseek(file, 0, SEEK_END) == 0 else { throw failure("seek") }
      reading = false
    }
    try putString(list.utteranceID)
    try putInt(list.hypotheses.count)
    for hypothesis in list.hypotheses {
      try putInt(hypothesis.rank)
      try putDouble(hypothesis.acousticCost)
      try putDouble(hypothesis.graphCost)
      try putOptional(hypothesis.ngramCost)
      try putOptional(hypothesis.rnnCost)
      try putOptionalArray(hypothesis.ngramWordCosts)
      try putOptionalArray(hypothesis.rnnWordCosts)
      try putInt(hypothesis.oovPositions.count)
      for position in hypothesis.oovPositions { try putInt(position) }
      try putInt(hypothesis.words.count)
      try putString(hypothesis.words.joined(separator: " "))
    }
  }

  /// Calls `body` with every list in the order appended.
  func forEachList(_ body: (NBestList) throws -> Void) throws {
    guard fflush(file) == 0, fseek(file, 0, SEEK_SET) == 0 else { throw failure("rewind") }
    reading = true
    while let id = try getString(allowEnd: true) {
      let count = try getInt()
      var hypotheses: [NBestHypothesis] = []
      hypotheses.reserveCapacity(count)
      for _ in 0..<count {
        let rank = try getInt()
        var hypothesis = NBestHypothesis(
          rank: rank, words: [], acousticCost: try getDouble(), graphCost: try getDouble())
        hypothesis.ngramCost = try getOptional()
        hypothesis.rnnCost = try getOptional()
        hypothesis.ngramWordCosts = try getOptionalArray()
        hypothesis.rnnWordCosts = try getOptionalArray()
        let oovCount = try getInt()
        for _ in 0..<oovCount { hypothesis.oovPositions.append(try getInt()) }
        let wordCount = try getInt()
        let text = try getString(allowEnd: false)!
        hypothesis.words = wordCount == 0 ? [] : text.split(separator: " ").map(String.init)
        guard hypothesis.words.count == wordCount else {
          throw InputError("scratch file: corrupt record of '\(id)'", file: directory)
        }
        hypotheses.append(hypothesis)
      }
      try body(NBestList(utteranceID: id, hypotheses: hypotheses))
    }
  }

  private func putOptional(_ value: Double?) throws {
    try putInt(value == nil ? 0 : 1)
    if let value { try putDouble(value) }
  }

  private func putOptionalArray(_ values: [Double]?) throws {
    try putInt(values?.count ?? -1)
    for value in values ?? [] { try putDouble(value) }
  }

  private func getOptional() throws -> Double? { try getInt() == 0 ? nil : try getDouble() }

  private func getOptionalArray() throws -> [Double]? {
    let count = try getInt()
    guard count >= 0 else { return nil }
    var values: [Double] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try getDouble()) }
    return values
  }

  private func failure(_ what: String) -> InputError {
    InputError("scratch file \(what) failed: \(String(cString: strerror(errno)))", file: directory)
  }

  private func put<T: FixedWidthInteger>(_ value: T) throws {
    var value = value
    guard fwrite(&value, MemoryLayout<T>.size, 1, file) == 1 else { throw failure("write") }
  }

  private func putDouble(_ value: Double) throws { try put(value.bitPattern) }
  private func putInt(_ value: Int) throws { try put(Int64(value)) }

  private func putString(_ text: String) throws {
    var text = text
    try text.withUTF8 { bytes in
      try putInt(bytes.count)
      guard bytes.isEmpty || fwrite(bytes.baseAddress!, 1, bytes.count, file) == bytes.count else {
        throw failure("write")
      }
    }
  }

  private func get<T: FixedWidthInteger>(_: T.Type, allowEnd: Bool = false) throws -> T? {
    var value: T = 0
    guard fread(&value, MemoryLayout<T>.size, 1, file) == 1 else {
      if allowEnd && feof(file) != 0 { return nil }
      throw failure("read")
    }
    return value
  }

  private func getDouble() throws -> Double { Double(bitPattern: try get(UInt64.self)!) }
  private func getInt() throws -> Int { Int(try get(Int64.self)!) }

  private func getString(allowEnd: Bool) throws -> String? {
    guard let count = try get(Int64.self, allowEnd: allowEnd) else { return nil }
    guard count > 0 else { return "" }
    return try String(unsafeUninitializedCapacity: Int(count)) { buffer in
      guard fread(buffer.baseAddress!, 1, Int(count), file) == Int(count) else { throw failure("read") }
      return Int(count)
    }
  }
}
