import Testing

@testable import FileIO
@testable import NCECore

@Suite struct ZstdCodecTests {
  @Test(arguments: [0, 1, 1000, 3 << 20])
  func roundTrip(size: Int) throws {
    var generator = SeededGenerator(seed: UInt64(size))
    // Text-like bytes from a small alphabet: compressible but not trivially so.
    let bytes = (0..<size).map { _ in UInt8(ascii: "a") + UInt8(generator.nextInt(below: 8)) }
    let compressed = try ZstdCodec.compress(bytes)
    #expect(try ZstdCodec.decompress(compressed) == bytes)
  }

  @Test func highlyCompressibleStreamIsFullyFlushed() throws {
    // 16 MB of zeros compress to a few hundred bytes; every decompressed byte must come out.
    let bytes = [UInt8](repeating: 0, count: 16 << 20)
    let compressed = try ZstdCodec.compress(bytes)
    #expect(compressed.count < 4096)
    let output = try ZstdCodec.decompress(compressed)
    #expect(output.count == bytes.count)
    #expect(output.allSatisfy { $0 == 0 })
  }

  @Test func concatenatedFramesDecompressInOrder() throws {
    let first = try ZstdCodec.compress(Array("one\n".utf8))
    let second = try ZstdCodec.compress(Array("two\n".utf8))
    #expect(try ZstdCodec.decompress(first + second) == Array("one\ntwo\n".utf8))
  }

  @Test func truncatedInputThrows() throws {
    let compressed = try ZstdCodec.compress(Array(String(repeating: "abc", count: 10_000).utf8))
    let error = #expect(throws: InputError.self) {
      try ZstdCodec.decompress(Array(compressed.dropLast(3)), file: "x.zst")
    }
    #expect(error?.file == "x.zst")
  }

  /// The streaming compressor: any split of the input into pieces (empty ones, pieces larger
  /// than zstd's input chunk) gives a frame that decompresses to their concatenation.
  @Test(arguments: [[0], [1], [1000, 0, 7], [300_000, 5, 200_000], [0, 0]])
  func streamingCompressionOfPiecesRoundTrips(sizes: [Int]) throws {
    var generator = SeededGenerator(seed: UInt64(sizes.reduce(0, +)))
    let pieces = sizes.map { size in (0..<size).map { _ in UInt8(ascii: "a") + UInt8(generator.nextInt(below: 8)) } }
    let whole = Array(pieces.joined())
    for pledged in [nil, whole.count] {
      let stream = try ZstdCompressionStream(pledgedSize: pledged)
      for piece in pieces { try stream.feed(piece) }
      let frame = try stream.finish()
      #expect(try ZstdCodec.decompress(frame) == whole)
      #expect(whole.count < 1000 || frame.count < whole.count / 2)
    }
  }

  /// A pledged size is written into the frame and enforced: less or more input is an error.
  @Test(arguments: [99, 101])
  func streamingCompressionRefusesAnotherSizeThanPledged(actual: Int) throws {
    let stream = try ZstdCompressionStream(pledgedSize: 100)
    let error = #expect(throws: InputError.self) {
      try stream.feed([UInt8](repeating: 7, count: actual))
      _ = try stream.finish()
    }
    #expect(error?.message.hasPrefix("zstd compression failed:") == true, "\(String(describing: error))")
  }
}
