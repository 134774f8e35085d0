/// CRC-32 as in zlib, gzip and PNG (reflected polynomial 0xEDB88320, initial and final
/// value 0xFFFFFFFF); `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
/// Table-driven, one table lookup per byte.
enum CRC32 {
  private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    table.withUnsafeBufferPointer { table in
      bytes.withUnsafeBufferPointer { data in
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
      }
    }
  }

  static func checksum(_ bytes: [UInt8]) -> UInt32 { checksum(bytes[...]) }
}
