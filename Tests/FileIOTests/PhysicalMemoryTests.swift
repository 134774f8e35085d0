import Testing

@testable import FileIO
@testable import NCECore

/// The memory a job may use: the smaller of the machine's and its control groups' limits.
@Suite struct PhysicalMemoryTests {
  @Test func cgroupLimitsBoundThePhysicalMemory() {
    let files: [String: Double] = [
      "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_7/memory.max": 4e9,
      "/sys/fs/cgroup/system.slice/memory.max": 16e9,
      "/sys/fs/cgroup/memory/slurm/uid_0/job_9/memory.limit_in_bytes": 2e9,
    ]
    let read = { (path: String) in files[path] }
    // cgroup v2: the job's own limit is the smallest of its group and its ancestors.
    #expect(memoryLimit(physical: 25e9, cgroups: "0::/system.slice/slurmstepd.scope/job_7\n", read: read) == 4e9)
    // An ancestor's limit applies when the group has none ("max" reads as nil).
    #expect(memoryLimit(physical: 25e9, cgroups: "0::/system.slice/other\n", read: read) == 16e9)
    // cgroup v1: the memory controller's group.
    let v1 = "12:pids:/\n4:cpuset,memory:/slurm/uid_0/job_9\n1:name=systemd:/\n"
    #expect(memoryLimit(physical: 25e9, cgroups: v1, read: read) == 2e9)
    // No limits: the physical memory; nothing at all: nil.
    #expect(memoryLimit(physical: 25e9, cgroups: "0::/\n", read: read) == 25e9)
    #expect(memoryLimit(physical: nil, cgroups: "", read: read) == nil)
    #expect((physicalMemoryBytes() ?? 0) > 1e8)
  }
}
