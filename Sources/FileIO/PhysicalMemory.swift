import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The memory this process may use, in bytes: the machine's physical memory (`sysconf`), or
/// less when a control group limits it (a slurm job, a container). Nil when the system says
/// nothing.
public func physicalMemoryBytes() -> Double? {
  let pages = sysconf(Int32(_SC_PHYS_PAGES))
  let pageSize = sysconf(Int32(_SC_PAGESIZE))
  let physical = pages > 0 && pageSize > 0 ? Double(pages) * Double(pageSize) : nil
  let groups = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
  return memoryLimit(physical: physical, cgroups: groups) { path in
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return Double(text.trimmingCharacters(in: .whitespacesAndNewlines))  // nil for "max"
  }
}

/// The smallest of `physical` and the memory limits of the control groups listed in
/// `cgroups` (`/proc/self/cgroup`): cgroup v2 `memory.max` of the group and of each ancestor,
/// cgroup v1 `memory.limit_in_bytes` of the memory group. `read` gives a limit file's number.
func memoryLimit(physical: Double?, cgroups: String, read: (String) -> Double?) -> Double? {
  var limits = physical.map { [$0] } ?? []
  for line in cgroups.split(separator: "\n") {
    let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    guard fields.count == 3 else { continue }
    var path = String(fields[2])
    if fields[0] == "0" && fields[1].isEmpty {
      while true {
        if let limit = read("/sys/fs/cgroup" + (path == "/" ? "" : path) + "/memory.max") { limits.append(limit) }
        if path == "/" || path.isEmpty { break }
        path = (path as NSString).deletingLastPathComponent
      }
    } else if fields[1].split(separator: ",").contains("memory") {
      if let limit = read("/sys/fs/cgroup/memory" + (path == "/" ? "" : path) + "/memory.limit_in_bytes") {
        limits.append(limit)
      }
    }
  }
  return limits.min()
}
