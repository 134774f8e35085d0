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
}
