import CZstd

/// The one place that calls libzstd. Status codes become `InputError`s here.
public enum ZstdCodec {
  /// Compresses `bytes` into one zstd frame (stating its content size).
  public static func compress(_ bytes: [UInt8], level: Int32 = 3) throws -> [UInt8] {
    let stream = try ZstdCompressionStream(level: level, pledgedSize: bytes.count)
    try stream.feed(bytes)
    return try stream.finish()
  }

  /// Decompresses a whole buffer holding one or more zstd frames.
  public static func decompress(_ bytes: [UInt8], file: String? = nil) throws -> [UInt8] {
    try decompress(bytes[...], file: file)
  }

  /// Decompresses a whole buffer holding one or more zstd frames. The output is allocated
  /// once when the first frame states its size (up to 2 GiB; a false size only costs a
  /// reservation), instead of growing by doubling.
  public static func decompress(_ bytes: ArraySlice<UInt8>, file: String? = nil) throws -> [UInt8] {
    let stream = try ZstdDecompressionStream(file: file)
    var output: [UInt8] = []
    let stated = bytes.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
    if stated <= 1 << 31 { output.reserveCapacity(Int(stated)) }
    try stream.feed(bytes) { output.append(contentsOf: $0) }
    try stream.finish()
    return output
  }
}

/// Streaming compression into one zstd frame held in memory: the input arrives in pieces (a
/// model file's header fields and then each tensor's storage in place), so a payload of
/// hundreds of MB is never assembled, and the output grows with the compressed size instead of
/// being reserved at the input's bound. With `pledgedSize` the frame states its content size,
/// and a different total is an error.
public final class ZstdCompressionStream {
  private let context: OpaquePointer
  private var chunk: [UInt8]
  /// The frame so far.
  private var output: [UInt8] = []

  /// `workers` > 0 compresses in that many threads besides the caller's (a libzstd built
  /// without threads compresses in the caller's alone); the frame then differs from a
  /// single-threaded one but not with the number of workers.
  public init(level: Int32 = 3, pledgedSize: Int? = nil, workers: Int = 0) throws {
    guard let context = ZSTD_createCCtx() else { throw InputError("cannot create zstd context") }
    self.context = context
    chunk = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
    if workers > 0 { _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers)) }
    if let pledgedSize { try check(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(pledgedSize))) }
  }

  deinit { ZSTD_freeCCtx(context) }

  /// Compresses `bytes` (appended to the frame's content).
  public func feed(_ bytes: UnsafeRawBufferPointer) throws {
    var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
    while input.pos < input.size { _ = try step(&input, ZSTD_e_continue) }
  }

  public func feed(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try feed($0) } }

  /// Ends the frame and returns it.
  public func finish() throws -> [UInt8] {
    var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    while try step(&input, ZSTD_e_end) != 0 {}
    return output
  }

  /// One call of `ZSTD_compressStream2`, its output appended; returns what zstd has left to flush.
  private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws -> Int {
    let (left, produced) = try chunk.withUnsafeMutableBytes { out -> (Int, Int) in
      var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
      let left = ZSTD_compressStream2(context, &buffer, &input, directive)
      try check(left)
      return (left, buffer.pos)
    }
    output.append(contentsOf: chunk[0..<produced])
    return left
  }

  private func check(_ status: Int) throws {
    if ZSTD_isError(status) != 0 {
      throw InputError("zstd compression failed: \(String(cString: ZSTD_getErrorName(status)))")
    }
  }
}

/// Streaming decompression: feed compressed chunks, receive decompressed chunks.
public final class ZstdDecompressionStream {
  private let context: OpaquePointer
  private let file: String?
  private var outputBuffer: [UInt8]
  private var midFrame = false

  public init(file: String? = nil) throws {
    guard let context = ZSTD_createDCtx() else { throw InputError("cannot create zstd context", file: file) }
    self.context = context
    self.file = file
    self.outputBuffer = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
  }

  deinit { ZSTD_freeDCtx(context) }

  /// Decompresses `chunk`, calling `sink` with each piece of output.
  public func feed(_ chunk: ArraySlice<UInt8>, sink: ([UInt8]) throws -> Void) throws {
    try chunk.withUnsafeBytes { raw in
      var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
      while input.pos < input.size {
        let produced = try outputBuffer.withUnsafeMutableBytes { out -> Int in
          var output = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
          let status = ZSTD_decompressStream(context, &output, &input)
          if ZSTD_isError(status) != 0 {
            throw InputError("corrupt zstd data: \(String(cString: ZSTD_getErrorName(status)))", file: file)
          }
          midFrame = status != 0
          return output.pos
        }
        if produced > 0 { try sink(Array(outputBuffer[0..<produced])) }
      }
    }
  }

  /// Checks that the input did not end inside a frame.
  public func finish() throws {
    if midFrame { throw InputError("truncated zstd data", file: file) }
  }
}
