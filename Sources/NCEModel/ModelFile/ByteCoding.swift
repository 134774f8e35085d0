import FileIO
import NCECore

/// Appends little-endian binary fields to a byte array (the checkpoint payload encoder).
struct ByteWriter {
  private(set) var bytes: [UInt8] = []

  mutating func append<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// A UInt64 length followed by the bytes.
  mutating func appendBlob(_ blob: [UInt8]) {
    append(UInt64(blob.count))
    bytes.append(contentsOf: blob)
  }

  mutating func appendString(_ string: String) { appendBlob(Array(string.utf8)) }

  /// Float32 values, little-endian.
  mutating func appendFloats(_ values: [Float]) {
    #if _endian(little)
      values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    #else
      for v in values { append(v.bitPattern) }
    #endif
  }
}

/// Reads little-endian binary fields with every length checked against the bytes left, so a
/// corrupt payload ends in an `InputError` ("malformed payload: ...") naming `file`, never a crash.
struct ByteReader {
  private let bytes: [UInt8]
  private let file: String
  private(set) var offset = 0

  init(_ bytes: [UInt8], file: String) {
    self.bytes = bytes
    self.file = file
  }

  var remaining: Int { bytes.count - offset }

  func malformed(_ what: String) -> InputError {
    InputError("malformed payload: \(what) at payload offset \(offset)", file: file)
  }

  mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
    let size = MemoryLayout<T>.size
    guard remaining >= size else { throw malformed("\(what) cut short") }
    var value: T = 0
    withUnsafeMutableBytes(of: &value) { out in
      bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + size)])) }
    }
    offset += size
    return T(littleEndian: value)
  }

  /// A length that must fit in the remaining bytes when each unit takes `unitSize` bytes.
  mutating func readLength(_ what: String, unitSize: Int) throws -> Int {
    let raw = try read(UInt64.self, "length of \(what)")
    guard raw <= UInt64(remaining / max(unitSize, 1)) else {
      throw malformed("length \(raw) of \(what) exceeds the data")
    }
    return Int(raw)
  }

  mutating func readBlob(_ what: String) throws -> [UInt8] {
    let count = try readLength(what, unitSize: 1)
    defer { offset += count }
    return Array(bytes[offset..<(offset + count)])
  }

  mutating func readString(_ what: String) throws -> String {
    let blob = try readBlob(what)
    guard let string = String(validating: blob, as: UTF8.self) else { throw malformed("\(what) is not UTF-8") }
    return string
  }

  /// Skips `count` floats, checked like `readFloats`.
  mutating func skipFloats(count: Int, _ what: String) throws {
    let (size, overflow) = count.multipliedReportingOverflow(by: 4)
    guard !overflow, count >= 0, size <= remaining else { throw malformed("\(what) cut short") }
    offset += size
  }

  /// `count` Float32 values; the caller has checked nothing, this checks the bounds.
  mutating func readFloats(count: Int, _ what: String) throws -> [Float] {
    let (size, overflow) = count.multipliedReportingOverflow(by: 4)
    guard !overflow, count >= 0, size <= remaining else { throw malformed("\(what) cut short") }
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBytes { out in
      bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + size)])) }
    }
    #if !_endian(little)
      for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
    #endif
    offset += size
    return values
  }
}
