#if canImport(Glibc)
  import Glibc
#endif

/// Transparent huge pages for large randomly accessed tables (the direct-feature weights and
/// their gradients): with 4 KiB pages nearly every lookup in a table of hundreds of MB also
/// misses the TLB. Only advice: where the kernel does not offer huge pages (or not for this
/// range) nothing changes, and contents are never affected.
public enum HugePages {
  /// The huge page size of x86-64 and arm64 Linux.
  public static let size = 2 << 20

  /// Asks for huge pages on the whole 2 MiB-aligned part of `byteCount` bytes at `start`:
  /// pages faulted from now on come as huge pages where possible (`MADV_HUGEPAGE`), and with
  /// `collapse` the pages already present are moved to huge pages now (`MADV_COLLAPSE`, Linux
  /// 6.1 and later). Returns whether the kernel accepted the advice (false below 2 MiB).
  @discardableResult
  public static func advise(_ start: UnsafeMutableRawPointer, byteCount: Int, collapse: Bool = false) -> Bool {
    #if os(Linux)
      let first = (Int(bitPattern: start) + size - 1) & ~(size - 1)
      let end = (Int(bitPattern: start) + byteCount) & ~(size - 1)
      guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return false }
      guard madvise(aligned, end - first, MADV_HUGEPAGE) == 0 else { return false }
      // MADV_COLLAPSE is missing from older Glibc headers; the kernel's value is 25.
      if collapse { _ = madvise(aligned, end - first, 25) }
      return true
    #else
      return false
    #endif
  }

  /// `advise` on the storage of `buffer`.
  @discardableResult
  public static func advise(_ buffer: UnsafeMutableBufferPointer<Float>, collapse: Bool = false) -> Bool {
    guard let base = buffer.baseAddress else { return false }
    return advise(
      UnsafeMutableRawPointer(base), byteCount: buffer.count * MemoryLayout<Float>.stride, collapse: collapse)
  }
}
