import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let interruptCount = Atomic<Int>(0)

/// SIGINT handling for long jobs: the first Ctrl-C sets a flag the job polls (it finishes the
/// current unit of work, saves, and exits 0); a second Ctrl-C exits at once with status 130.
public enum InterruptFlag {
  public static func install() {
    signal(SIGINT) { _ in
      if interruptCount.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
    }
  }

  public static var isSet: Bool { interruptCount.load(ordering: .relaxed) > 0 }
}
