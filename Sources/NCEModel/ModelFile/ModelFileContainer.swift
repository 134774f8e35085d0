import FileIO
import Foundation
import NCECore

/// The checkpoint container: versioned, zstd-compressed, checksummed, atomic.
///
/// Layout (all integers little-endian):
///
///     offset  size  field
///     0       8     magic "NCERNNLM"
///     8       4     UInt32 format version (1 or 2)
///     12      8     UInt64 length of the compressed payload
///     20      4     UInt32 CRC-32 (zlib) of the compressed payload
///     24      n     zstd frame holding the payload
///
/// Payload (version 1): config JSON as a blob (UInt64 length + bytes); the vocabulary as
/// UInt64 word count, then per word a UTF-8 string blob and an Int64 count, then UInt8
/// has-unknown-type-count and Int64 unknown type count; the tensors as UInt64 count, then per
/// tensor (sorted by name) a name string blob, UInt64 rows, UInt64 cols and rows*cols Float32.
/// Version 2 has the same layout; its header may declare direct n-gram features (`direct` in the
/// model config, tensor `direct.weight`). Writers use the lowest version that holds the model,
/// so a model without direct features stays readable by version-1 builds.
///
/// The reader checks every length before use: wrong magic, a newer version, truncation, a CRC
/// mismatch or a malformed payload all end in an `InputError` naming the file.
public enum ModelFileContainer {
  public static let formatVersion: UInt32 = 2
  public static let magic = Array("NCERNNLM".utf8)
  static let headerSize = 24

  /// Writes `checkpoint` to `path` through `AtomicFileWriter` (temp file, fsync, rename).
  public static func write(_ checkpoint: ModelFilePayload, to path: String, version: UInt32 = formatVersion) throws {
    try encodeParts(checkpoint, version: version).write(to: path)
  }

  /// The bytes of the checkpoint file of `checkpoint`.
  public static func encode(_ checkpoint: ModelFilePayload, version: UInt32 = formatVersion) throws -> [UInt8] {
    try encodeParts(checkpoint, version: version).bytes
  }

  /// zstd level 1: trained weights hardly compress, and level 3 made the 35 MB payload of a PTB
  /// model 0.04% smaller and a 437 MB one with a direct table 0.004% smaller, in 20-40% more time.
  static let compressionLevel: Int32 = 1

  /// Payloads from this size on are compressed by several zstd threads.
  static let parallelCompressionSize = 1 << 24

  /// The checkpoint file of `checkpoint` in its two parts. The payload goes through the
  /// compressor piece by piece, each tensor from its own storage: a payload of hundreds of MB
  /// (direct features) is never copied out, only its compressed form is held. A payload of
  /// `parallelCompressionSize` or more is compressed by `threads` zstd workers (a trained
  /// 400 MB direct table takes about 1 s on one); the file is the same for any `threads` > 1.
  public static func encodeParts(
    _ checkpoint: ModelFilePayload, version: UInt32 = formatVersion, threads: Int = 1
  ) throws -> EncodedCheckpoint {
    precondition((1...formatVersion).contains(version))
    var size = 0
    encodePayload(checkpoint) { size += $0.count }
    let compressor = try ZstdCompressionStream(
      level: compressionLevel, pledgedSize: size,
      workers: size >= parallelCompressionSize && threads > 1 ? threads : 0)
    try encodePayload(checkpoint) { try compressor.feed($0) }
    let payload = try compressor.finish()
    var header = ByteWriter()
    for byte in magic { header.append(byte) }
    header.append(version)
    header.append(UInt64(payload.count))
    header.append(CRC32.checksum(payload))
    return EncodedCheckpoint(header: header.bytes, payload: payload)
  }

  /// Reads and validates the checkpoint at `path`, keeping only the tensors whose name
  /// `keepTensor` accepts (the others are checked and skipped). Peak memory is about the file
  /// plus the payload, then the payload plus the kept tensors.
  public static func read(path: String, keepTensor: (String) -> Bool = { _ in true }) throws -> ModelFilePayload {
    try decodePayload(try payload(of: readFile(path), file: path), file: path, keepTensor: keepTensor)
  }

  /// The whole file, read into one buffer of its size.
  static func readFile(_ path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw InputError("no such file", file: path)
    }
    if isDirectory.boolValue { throw InputError("is a directory, expected a model file", file: path) }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw InputError("cannot open for reading", file: path)
    }
    defer { try? handle.close() }
    do {
      let size = Int(try handle.seekToEnd())
      try handle.seek(toOffset: 0)
      var bytes: [UInt8] = []
      bytes.reserveCapacity(size)
      while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { bytes.append(contentsOf: chunk) }
      return bytes
    } catch {
      throw InputError("read error: \(error.localizedDescription)", file: path)
    }
  }

  /// Decodes the bytes of a checkpoint file; `file` names it in errors.
  static func decode(_ bytes: [UInt8], file: String) throws -> ModelFilePayload {
    try decodePayload(try payload(of: bytes, file: file), file: file)
  }

  /// Checks the container of a checkpoint file and returns its decompressed payload.
  static func payload(of bytes: [UInt8], file: String) throws -> [UInt8] {
    let magicPrefix = bytes.prefix(magic.count)
    guard magicPrefix.elementsEqual(magic.prefix(magicPrefix.count)) else {
      throw InputError("not an NCERescore model (wrong magic bytes)", file: file)
    }
    guard bytes.count >= headerSize else {
      throw InputError("truncated: \(bytes.count) bytes, the header alone has \(headerSize)", file: file)
    }
    var header = ByteReader(Array(bytes[magic.count..<headerSize]), file: file)
    let version = try header.read(UInt32.self, "version")
    let payloadLength = try header.read(UInt64.self, "payload length")
    let storedCRC = try header.read(UInt32.self, "checksum")
    guard version <= formatVersion else {
      throw InputError("written by a newer version (\(version)), this build reads up to \(formatVersion)", file: file)
    }
    guard version >= 1 else { throw InputError("unknown format version \(version)", file: file) }
    let available = UInt64(bytes.count - headerSize)
    guard payloadLength <= available else {
      throw InputError("truncated: payload has \(available) of \(payloadLength) bytes", file: file)
    }
    guard payloadLength == available else {
      throw InputError("\(available - payloadLength) unexpected bytes after the payload", file: file)
    }
    let compressed = bytes[headerSize...]
    guard CRC32.checksum(compressed) == storedCRC else {
      throw InputError("checksum mismatch: the file is corrupt", file: file)
    }
    do {
      return try ZstdCodec.decompress(compressed, file: file)
    } catch let error as InputError {
      throw InputError("malformed payload: \(error.message)", file: file)
    }
  }

  /// The payload of `checkpoint` in one buffer.
  static func encodePayload(_ checkpoint: ModelFilePayload) -> [UInt8] {
    var bytes: [UInt8] = []
    encodePayload(checkpoint) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// The payload of `checkpoint`, handed to `sink` in order: the fields gathered in small
  /// buffers, each tensor's storage as it is (no copy).
  static func encodePayload(_ checkpoint: ModelFilePayload, into sink: (UnsafeRawBufferPointer) throws -> Void)
    rethrows
  {
    var out = ByteWriter()
    out.appendBlob(checkpoint.configJSON)
    let vocabulary = checkpoint.vocabulary
    out.append(UInt64(vocabulary.count))
    for (word, count) in zip(vocabulary.words, vocabulary.counts) {
      out.appendString(word)
      out.append(Int64(count))
    }
    out.append(UInt8(vocabulary.unknownTypeCount == nil ? 0 : 1))
    out.append(Int64(vocabulary.unknownTypeCount ?? 0))
    out.append(UInt64(checkpoint.tensors.count))
    for name in checkpoint.tensors.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      let tensor = checkpoint.tensors[name]!
      out.appendString(name)
      out.append(UInt64(tensor.rows))
      out.append(UInt64(tensor.cols))
      #if _endian(little)
        try out.bytes.withUnsafeBytes(sink)
        out = ByteWriter()
        try tensor.storage.withUnsafeBytes(sink)
      #else
        out.appendFloats(tensor.storage)
      #endif
    }
    try out.bytes.withUnsafeBytes(sink)
  }

  static func decodePayload(
    _ payload: [UInt8], file: String, keepTensor: (String) -> Bool = { _ in true }
  ) throws -> ModelFilePayload {
    var input = ByteReader(payload, file: file)
    let config = try input.readBlob("config JSON")

    // Each word takes at least its 8-byte length, 1 byte of text and an 8-byte count.
    let wordCount = try input.readLength("vocabulary", unitSize: 17)
    var words: [String] = []
    var counts: [Int] = []
    words.reserveCapacity(wordCount)
    counts.reserveCapacity(wordCount)
    for _ in 0..<wordCount {
      words.append(try input.readString("word"))
      let count = try input.read(Int64.self, "word count")
      counts.append(Int(count))
    }
    let hasUnknownTypes = try input.read(UInt8.self, "unknown-type flag")
    let unknownTypes = try input.read(Int64.self, "unknown type count")
    guard hasUnknownTypes <= 1 else { throw input.malformed("unknown-type flag \(hasUnknownTypes)") }
    let vocabulary: Vocabulary
    do {
      vocabulary = try Vocabulary(
        words: words, counts: counts, unknownTypeCount: hasUnknownTypes == 1 ? Int(unknownTypes) : nil)
    } catch let error as InputError {
      throw InputError("malformed payload: \(error.message)", file: file)
    }

    // Each tensor takes at least its name length, rows and cols.
    let tensorCount = try input.readLength("tensor list", unitSize: 24)
    var tensors: [String: Matrix] = [:]
    var seen: Set<String> = []
    for _ in 0..<tensorCount {
      let name = try input.readString("tensor name")
      let rows = try input.read(UInt64.self, "rows of \(name)")
      let cols = try input.read(UInt64.self, "cols of \(name)")
      let (elements, overflow) = rows.multipliedReportingOverflow(by: cols)
      guard rows <= UInt64(Int32.max), cols <= UInt64(Int32.max), !overflow, elements <= UInt64(input.remaining / 4)
      else {
        throw input.malformed("tensor '\(name)' of \(rows)x\(cols) exceeds the data")
      }
      guard !seen.contains(name) else { throw input.malformed("duplicate tensor '\(name)'") }
      seen.insert(name)
      guard keepTensor(name) else {
        try input.skipFloats(count: Int(elements), "tensor '\(name)'")
        continue
      }
      let storage = try input.readFloats(count: Int(elements), "tensor '\(name)'")
      tensors[name] = Matrix(rows: Int(rows), cols: Int(cols), storage: storage)
    }
    guard input.remaining == 0 else { throw input.malformed("\(input.remaining) unexpected bytes after the tensors") }
    return ModelFilePayload(configJSON: config, vocabulary: vocabulary, tensors: tensors)
  }
}

/// A checkpoint file's bytes as two pieces, the header and the compressed payload, which are
/// written one after the other rather than joined (a copy of hundreds of MB).
public struct EncodedCheckpoint: Sendable {
  public let header: [UInt8]
  public let payload: [UInt8]

  /// The whole file in one buffer.
  public var bytes: [UInt8] { header + payload }

  /// Writes the file to `path` atomically (`AtomicFileWriter`).
  public func write(to path: String) throws { try AtomicFileWriter.write(pieces: [header, payload], to: path) }
}
