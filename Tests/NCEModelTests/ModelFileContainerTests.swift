import FileIO
import Foundation
import NCECore
import Testing

@testable import NCEModel

func sampleCheckpoint(unknownTypeCount: Int? = 4) throws -> ModelFilePayload {
  let vocabulary = try Vocabulary(
    words: ["<unk>", "<s>", "</s>", "the", "naïve"], counts: [7, 0, 3, 9, 1], unknownTypeCount: unknownTypeCount)
  var generator = SeededGenerator(seed: 5)
  let weights = Matrix(rows: 5, cols: 3, storage: (0..<15).map { _ in generator.nextNormal() })
  return ModelFilePayload(
    configJSON: Array(#"{"hidden":3,"criterion":"nce"}"#.utf8), vocabulary: vocabulary,
    tensors: [
      "output.weight": weights, "embedding": Matrix(rows: 2, cols: 2, storage: [1, -0.0, .infinity, -1e-30]),
      "empty": Matrix(rows: 0, cols: 4),
    ])
}

/// Bytes of a checkpoint file as `ModelFileContainer.write` produces them.
func checkpointBytes(_ checkpoint: ModelFilePayload) throws -> [UInt8] {
  let path = try makeTemporaryDirectory() + "/model.ckpt"
  try ModelFileContainer.write(checkpoint, to: path)
  return [UInt8](FileManager.default.contents(atPath: path)!)
}

/// A file with a valid header and CRC around an arbitrary (uncompressed) payload.
func wrapPayload(_ payload: [UInt8]) throws -> [UInt8] {
  let compressed = try ZstdCodec.compress(payload)
  var header = ByteWriter()
  for byte in ModelFileContainer.magic { header.append(byte) }
  header.append(ModelFileContainer.formatVersion)
  header.append(UInt64(compressed.count))
  header.append(CRC32.checksum(compressed))
  return header.bytes + compressed
}

@Suite struct CheckpointTests {
  /// The streamed encoding (each tensor fed to the compressor from its storage) holds the
  /// payload `encodePayload` builds in one buffer, also for a tensor larger than zstd's input
  /// chunk (128 KiB), and reads back to the same checkpoint; `write` writes exactly `encode`.
  @Test func streamedEncodingHoldsThePayloadAndReadsBack() throws {
    var checkpoint = try sampleCheckpoint()
    var generator = SeededGenerator(seed: 5)
    checkpoint.tensors["direct.weight"] = Matrix(
      rows: 100_003, cols: 1, storage: (0..<100_003).map { $0 % 7 == 0 ? Float(generator.nextInt(below: 100)) : 0 })
    let bytes = try ModelFileContainer.encode(checkpoint)
    let payload = try ModelFileContainer.payload(of: bytes, file: "m")
    #expect(payload == ModelFileContainer.encodePayload(checkpoint))
    let read = try ModelFileContainer.decode(bytes, file: "m")
    #expect(read.tensors == checkpoint.tensors)
    #expect(read.configJSON == checkpoint.configJSON)
    #expect(try checkpointBytes(checkpoint) == bytes)
  }

  /// A payload past `parallelCompressionSize` compressed by zstd workers reads back to the same
  /// checkpoint, and its file does not depend on the number of threads (resumed runs on other
  /// machines write the same bytes).
  @Test func parallelCompressionReadsBackAndDoesNotDependOnTheThreads() throws {
    var checkpoint = try sampleCheckpoint()
    var generator = SeededGenerator(seed: 6)
    let count = ModelFileContainer.parallelCompressionSize / 4 + 1000
    checkpoint.tensors["direct.weight"] = Matrix(
      rows: count, cols: 1, storage: (0..<count).map { $0 % 3 == 0 ? generator.nextNormal() : 0 })
    let two = try ModelFileContainer.encodeParts(checkpoint, threads: 2)
    let three = try ModelFileContainer.encodeParts(checkpoint, threads: 3)
    #expect(two.bytes == three.bytes)
    let read = try ModelFileContainer.decode(two.bytes, file: "m")
    #expect(read.tensors == checkpoint.tensors && read.configJSON == checkpoint.configJSON)
    let path = try makeTemporaryDirectory() + "/m.mdl"
    try two.write(to: path)
    #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == two.bytes)
  }

  @Test func crc32MatchesTheStandardCheckValue() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
  }

  /// The slicing-by-8 checksum equals the definition (one bit at a time) on every length from
  /// 0 to 40 and on slices that start at every offset modulo 8 (unaligned loads).
  @Test func crc32EqualsTheBitwiseDefinition() {
    func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
      var crc: UInt32 = 0xFFFF_FFFF
      for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
      }
      return crc ^ 0xFFFF_FFFF
    }
    var generator = SeededGenerator(seed: 32)
    let bytes = (0..<1000).map { _ in UInt8(generator.nextInt(below: 256)) }
    for start in 0..<8 {
      for length in 0..<41 {
        let slice = bytes[start..<(start + length)]
        #expect(CRC32.checksum(slice) == bitwise(slice), "start \(start), length \(length)")
      }
    }
    #expect(CRC32.checksum(bytes[3...]) == bitwise(bytes[3...]))
  }

  /// Skipped tensors are left out of the result but still checked against the data.
  @Test func skippedTensorsAreLeftOutButChecked() throws {
    let checkpoint = try sampleCheckpoint()
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try ModelFileContainer.write(checkpoint, to: path)
    let read = try ModelFileContainer.read(path: path) { $0 != "output.weight" }
    #expect(read.tensors.keys.sorted() == ["embedding", "empty"])
    #expect(read.tensors["embedding"] == checkpoint.tensors["embedding"])
    // A skipped tensor larger than the data left is still an error.
    var cut = checkpoint
    cut.tensors = ["momentum/x": Matrix(rows: 4, cols: 4, storage: [Float](repeating: 1, count: 16))]
    let payload = Array(ModelFileContainer.encodePayload(cut).dropLast(4))
    let error = inputError { _ = try ModelFileContainer.decodePayload(payload, file: "m") { _ in false } }
    #expect(error?.message.contains("exceeds the data") == true)
  }

  /// Evaluation reads a training checkpoint without its optimizer state.
  @Test func modelFileWithoutOptimizerState() throws {
    var config = ModelConfig(vocabularySize: 7)
    config.embeddingSize = 3
    config.hiddenSize = 4
    var rng = SeededGenerator(seed: 2)
    let model = RNNLanguageModel(config: config, using: &rng)
    let vocabulary = try Vocabulary(
      words: ["<unk>", "<s>", "</s>", "a", "b", "c", "d"], counts: [Int](repeating: 1, count: 7), unknownTypeCount: nil)
    let momentum = model.tensors.mapValues {
      Matrix(rows: $0.rows, cols: $0.cols, storage: [Float](repeating: 0.5, count: $0.storage.count))
    }
    let path = try makeTemporaryDirectory() + "/m.mdl"
    try ModelFile(model: model, vocabulary: vocabulary, momentum: momentum).write(to: path)
    let full = try ModelFile.read(path: path)
    let light = try ModelFile.read(path: path, optimizerState: false)
    #expect(full.momentum.count == model.tensors.count)
    #expect(light.momentum.isEmpty)
    #expect(light.model.tensors == full.model.tensors)
    #expect(light.model.tensors == model.tensors)
  }

  @Test(arguments: [4, nil] as [Int?])
  func roundTrip(unknownTypeCount: Int?) throws {
    let checkpoint = try sampleCheckpoint(unknownTypeCount: unknownTypeCount)
    let path = try makeTemporaryDirectory() + "/model.ckpt"
    try ModelFileContainer.write(checkpoint, to: path)
    let read = try ModelFileContainer.read(path: path)
    #expect(read == checkpoint)
    #expect(read.tensors["embedding"]!.storage[1].sign == .minus)
    let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    #expect(Array(bytes[0..<8]) == Array("NCERNNLM".utf8))
    #expect(Array(bytes[8..<12]) == [UInt8(ModelFileContainer.formatVersion), 0, 0, 0])
    // Overwriting leaves no temporary files behind.
    try ModelFileContainer.write(checkpoint, to: path)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == [
        "model.ckpt"
      ])
  }

  @Test func wrongMagicIsNotAModel() throws {
    let path = try makeTemporaryFile("model.ckpt", text: "the cat sat on the mat, a text file\n")
    #expect(
      inputError { _ = try ModelFileContainer.read(path: path) }?.description
        == "\(path): not an NCERescore model (wrong magic bytes)")
  }

  @Test func newerVersionIsRefused() throws {
    var bytes = try checkpointBytes(sampleCheckpoint())
    bytes[8] = 3
    let error = inputError { _ = try ModelFileContainer.decode(bytes, file: "m.ckpt") }
    #expect(error?.description == "m.ckpt: written by a newer version (3), this build reads up to 2")
  }

  @Test func checksumMismatchIsRefused() throws {
    var bytes = try checkpointBytes(sampleCheckpoint())
    bytes[bytes.count - 5] ^= 0x10
    #expect(
      inputError { _ = try ModelFileContainer.decode(bytes, file: "m.ckpt") }?.description
        == "m.ckpt: checksum mismatch: the file is corrupt")
  }

  @Test func truncationAtEveryOffsetIsRefused() throws {
    let bytes = try checkpointBytes(sampleCheckpoint())
    for length in 0..<bytes.count {
      let error = inputError { _ = try ModelFileContainer.decode(Array(bytes[0..<length]), file: "m.ckpt") }
      #expect(error?.file == "m.ckpt", "prefix of \(length) bytes")
      #expect(error?.message.hasPrefix("truncated") == true, "prefix of \(length) bytes: \(String(describing: error))")
    }
    #expect(
      inputError { _ = try ModelFileContainer.decode(bytes + [0], file: "m.ckpt") }?.message.contains(
        "unexpected bytes")
        == true)
  }

  @Test func everySingleByteFlipIsRefused() throws {
    let bytes = try checkpointBytes(sampleCheckpoint())
    var generator = SeededGenerator(seed: 17)
    for offset in 0..<bytes.count {
      var corrupt = bytes
      corrupt[offset] ^= UInt8(1 + generator.nextInt(below: 255))
      #expect(
        inputError { _ = try ModelFileContainer.decode(corrupt, file: "m.ckpt") }?.file == "m.ckpt", "flip at \(offset)"
      )
    }
  }

  @Test func malformedPayloadsBehindAValidChecksumNeverCrash() throws {
    let payload = ModelFileContainer.encodePayload(try sampleCheckpoint())
    // Every truncation of the payload is malformed.
    for length in 0..<payload.count {
      let error = inputError {
        _ = try ModelFileContainer.decode(try wrapPayload(Array(payload[0..<length])), file: "m.ckpt")
      }
      #expect(error?.message.hasPrefix("malformed payload") == true, "payload prefix of \(length) bytes")
    }
    // Random byte flips: either refused with an InputError or decoded (float data), never a crash.
    var generator = SeededGenerator(seed: 99)
    var refused = 0
    for _ in 0..<400 {
      var corrupt = payload
      for _ in 0...generator.nextInt(below: 3) {
        corrupt[generator.nextInt(below: corrupt.count)] = UInt8(truncatingIfNeeded: generator.next())
      }
      let bytes = try wrapPayload(corrupt)
      do {
        _ = try ModelFileContainer.decode(bytes, file: "m.ckpt")
      } catch let error as InputError {
        #expect(error.file == "m.ckpt")
        refused += 1
      }
    }
    #expect(refused > 0)
    // Huge lengths are checked before any allocation.
    var huge = ByteWriter()
    huge.append(UInt64.max)
    #expect(
      inputError { _ = try ModelFileContainer.decode(try wrapPayload(huge.bytes), file: "m.ckpt") }?.message.contains(
        "exceeds") == true)
  }

  @Test func readRefusesMissingFilesAndWriteReportsUnwritablePaths() throws {
    #expect(
      inputError { _ = try ModelFileContainer.read(path: "/nonexistent/m.ckpt") }?.description
        == "/nonexistent/m.ckpt: no such file")
    #expect(
      inputError { try ModelFileContainer.write(try sampleCheckpoint(), to: "/nonexistent/dir/m.ckpt") }?.file
        == "/nonexistent/dir/m.ckpt")
  }
}
