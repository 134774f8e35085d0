import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The temporary files being written (`AtomicFileStream` registers each until it is renamed or
/// removed), so that a process stopped by SIGINT, SIGTERM or SIGHUP removes them on its way
/// out: an interrupted rescoring leaves no hidden `.name.tmp.*` files behind (only SIGKILL
/// can). The signal handler reads fixed atomic slots and calls `unlink`, both safe in a
/// handler; a path that does not fit in a slot is simply not removed. There are enough slots for
/// a run that stages tens of thousands of files at once (`StagedOutputs`: one `wer_*` file per
/// sweep setting); they cost 8 bytes each.
public enum TemporaryFileRegistry {
  static let capacity = 1 << 16
  /// Where the search for a free slot starts: the slot after the last one taken, so that
  /// registering n files costs O(n), not O(n^2).
  nonisolated(unsafe) static let searchStart: UnsafeMutablePointer<Atomic<Int>> = {
    let start = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
    start.initialize(to: Atomic(0))
    return start
  }()
  /// Each slot holds the address of a `strdup`ed path, or 0.
  nonisolated(unsafe) static let slots: UnsafeMutablePointer<Atomic<Int>> = {
    let slots = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: capacity)
    for index in 0..<capacity { (slots + index).initialize(to: Atomic(0)) }
    return slots
  }()

  /// How many temporary files are being created now (`beginCreating` ... `endCreating`), and
  /// whether a terminating signal has arrived: the handler waits for the creations in progress,
  /// so that a file created just as the signal arrives is registered (and removed) before the
  /// process ends, and no creation starts after it.
  nonisolated(unsafe) static let creating: UnsafeMutablePointer<Atomic<Int>> = {
    let counter = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
    counter.initialize(to: Atomic(0))
    return counter
  }()
  nonisolated(unsafe) static let terminating: UnsafeMutablePointer<Atomic<Bool>> = {
    let flag = UnsafeMutablePointer<Atomic<Bool>>.allocate(capacity: 1)
    flag.initialize(to: Atomic(false))
    return flag
  }()

  /// Announces that a temporary file is about to be registered and created; false once a
  /// terminating signal arrived (create nothing: the process is ending). A true result must be
  /// followed by `endCreating()` once the file is registered (or its creation failed).
  public static func beginCreating() -> Bool {
    creating[0].add(1, ordering: .sequentiallyConsistent)
    guard !terminating[0].load(ordering: .sequentiallyConsistent) else {
      creating[0].subtract(1, ordering: .sequentiallyConsistent)
      return false
    }
    return true
  }

  /// Blocks the calling thread until the terminating signal's handler ends the process: a thread
  /// that would create a file then must not go on (an error path could exit the process while
  /// the handler still runs).
  public static func awaitTermination() -> Never {
    while true { pause() }
  }

  public static func endCreating() { creating[0].subtract(1, ordering: .sequentiallyConsistent) }

  /// Waits until no creation is in progress, at most `seconds`. Safe in a signal handler.
  static func waitForCreations(seconds: Double) {
    // clock_gettime and nanosleep are async-signal-safe.
    func now() -> Double {
      var time = timespec()
      clock_gettime(CLOCK_MONOTONIC, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
    let deadline = now() + seconds
    var pause = timespec(tv_sec: 0, tv_nsec: 10_000)
    while creating[0].load(ordering: .sequentiallyConsistent) > 0 && now() < deadline { nanosleep(&pause, nil) }
  }

  /// Records `path`; returns its slot for `unregister`, or nil when all slots are taken.
  public static func register(_ path: String) -> Int? {
    guard let copy = strdup(path) else { return nil }
    let address = Int(bitPattern: copy)
    let start = searchStart[0].load(ordering: .relaxed)
    for offset in 0..<capacity {
      let index = (start + offset) % capacity
      if slots[index].compareExchange(expected: 0, desired: address, ordering: .acquiringAndReleasing).exchanged {
        searchStart[0].store((index + 1) % capacity, ordering: .relaxed)
        return index
      }
    }
    free(copy)
    return nil
  }

  /// Forgets the path of `slot` (after the file was renamed or removed).
  public static func unregister(_ slot: Int?) {
    guard let slot else { return }
    let address = slots[slot].exchange(0, ordering: .acquiringAndReleasing)
    free(UnsafeMutableRawPointer(bitPattern: address))
  }

  /// The paths registered now (for tests).
  static var registeredPaths: [String] {
    (0..<capacity).compactMap { index in
      UnsafePointer<CChar>(bitPattern: slots[index].load(ordering: .acquiring)).map { String(cString: $0) }
    }
  }

  /// Removes every registered file. Safe in a signal handler.
  public static func removeAll() { removeAll(under: nil) }

  /// Removes the registered files whose path starts with `prefix` (all with nil): tests use a
  /// prefix so that they do not remove the files of tests running in parallel.
  static func removeAll(under prefix: UnsafePointer<CChar>?) {
    let prefixLength = prefix.map { strlen($0) } ?? 0
    for index in 0..<capacity {
      let address = slots[index].load(ordering: .acquiring)
      guard let path = UnsafePointer<CChar>(bitPattern: address) else { continue }
      if let prefix, strncmp(path, prefix, prefixLength) != 0 { continue }
      unlink(path)
    }
  }

  /// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the registered files and
  /// then end the process as the signal would have.
  public static func removeOnTermination() {
    // The slots are a lazy global: initialize them now, not in a handler that may have
    // interrupted malloc.
    _ = slots
    _ = creating
    _ = terminating
    installSignalHandler([SIGINT, SIGTERM, SIGHUP]) { received in
      TemporaryFileRegistry.terminating[0].store(true, ordering: .sequentiallyConsistent)
      // A creation in progress registers its file before it ends; none starts from now on.
      TemporaryFileRegistry.waitForCreations(seconds: 1)
      TemporaryFileRegistry.removeAll()
      signal(received, SIG_DFL)
      raise(received)
    }
  }
}
