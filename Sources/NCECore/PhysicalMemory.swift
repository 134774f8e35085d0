#if canImport(Glibc)
  import Glibc
#endif

/// The machine's physical memory in bytes (`sysconf`), or nil when the system does not say.
public func physicalMemoryBytes() -> Double? {
  let pages = sysconf(Int32(_SC_PHYS_PAGES))
  let pageSize = sysconf(Int32(_SC_PAGESIZE))
  guard pages > 0, pageSize > 0 else { return nil }
  return Double(pages) * Double(pageSize)
}
