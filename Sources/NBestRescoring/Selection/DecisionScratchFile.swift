import Foundation
import FileIO
import NCECore

#if canImport(Glibc)
  import Glibc
#endif

/// What the decision rule needs to select a hypothesis again, written once per utterance
/// during a sweep's pass and read back in the same order for the second pass (the best
/// setting's text): the utterance id and, per hypothesis, the acoustic cost, the word count,
/// the interpolated cost for each RNN weight (exact `Double` bits, so the second pass makes
/// the same choices as the first) and the words.
///
/// The file is created in `directory` and unlinked at once, so it never shows in a listing
/// and disappears when the process ends, SIGKILL included. Disk: about
/// `8 * (2 + rnnWeights)` bytes plus the words per hypothesis; memory: the stdio buffer and
/// one utterance's record while reading.
final class DecisionScratchFile {
  /// One utterance read back: hypotheses in rank order.
  struct Record {
    var utteranceID = ""
    var acousticCosts: [Double] = []
    var wordCounts: [Int] = []
    /// `interpolatedCosts[slot * hypotheses + h]`.
    var interpolatedCosts: [Double] = []
    /// The words of each hypothesis, joined by single spaces.
    var texts: [String] = []

    var hypothesisCount: Int { acousticCosts.count }

    /// `utt-id w1 w2 ...` for hypothesis `h` (Kaldi text, no newline).
    func line(_ h: Int) -> String { wordCounts[h] == 0 ? utteranceID : utteranceID + " " + texts[h] }
  }

  let slots: Int
  /// Where the file is (errors name it: a full disk or `ulimit -f` shows here first).
  private let directory: String
  private let file: UnsafeMutablePointer<FILE>
  private var reading = false

  init(directory: String, slots: Int) throws {
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
    self.slots = slots
    self.directory = directory
  }

  deinit { fclose(file) }

  /// Appends one utterance. `interpolatedCosts(slot, h)` gives the cost of hypothesis `h`.
  func append(_ list: NBestList, interpolatedCosts: (_ slot: Int, _ h: Int) -> Double) throws {
    if reading {
      guard fseek(file, 0, SEEK_END) == 0 else { throw failure("seek") }
      reading = false
    }
    try putString(list.utteranceID)
    try putInt(list.hypotheses.count)
    for (h, hypothesis) in list.hypotheses.enumerated() {
      try putDouble(hypothesis.acousticCost)
      try putInt(hypothesis.words.count)
      for slot in 0..<slots { try putDouble(interpolatedCosts(slot, h)) }
      try putString(hypothesis.words.joined(separator: " "))
    }
  }

  /// Calls `body` with every utterance in the order appended (one record reused).
  func forEachRecord(_ body: (Record) throws -> Void) throws {
    guard fflush(file) == 0, fseek(file, 0, SEEK_SET) == 0 else { throw failure("rewind") }
    reading = true
    var record = Record()
    while let id = try getString(allowEnd: true) {
      record.utteranceID = id
      let count = try getInt()
      record.acousticCosts.removeAll(keepingCapacity: true)
      record.wordCounts.removeAll(keepingCapacity: true)
      record.texts.removeAll(keepingCapacity: true)
      record.interpolatedCosts = Array(repeating: 0, count: count * slots)
      for h in 0..<count {
        record.acousticCosts.append(try getDouble())
        record.wordCounts.append(try getInt())
        for slot in 0..<slots { record.interpolatedCosts[slot * count + h] = try getDouble() }
        record.texts.append(try getString(allowEnd: false)!)
      }
      try body(record)
    }
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
