import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let interruptCount = Atomic<Int>(0)

/// SIGINT handling for long jobs: the first Ctrl-C sets a flag the job polls (it finishes the
/// current unit of work, saves, and exits 0); a second Ctrl-C exits at once with status 130.
public enum InterruptFlag {
  /// Installs the handler and unblocks SIGINT: a blocked mask is inherited from the parent
  /// (some launchers and test runners block it), and a blocked SIGINT would never arrive.
  public static func install() {
    signal(SIGINT) { _ in
      if interruptCount.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
    }
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
  }

  public static var isSet: Bool { interruptCount.load(ordering: .relaxed) > 0 }
}
