import FileIO
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let interruptCount = Atomic<Int>(0)
private let firstSignal = Atomic<Int32>(0)

/// SIGINT and SIGTERM handling for long jobs: the first signal sets a flag the job polls (it
/// finishes the current unit of work and saves); a second one exits at once with status
/// 128 + signal. SIGTERM is what cluster schedulers (slurm, SGE) send before they kill a job,
/// so training saves its state instead of losing the work since the last epoch.
public enum InterruptFlag {
  /// Installs the handlers (replacing `TemporaryFileRegistry`'s for these two signals).
  public static func install() {
    installSignalHandler([SIGINT, SIGTERM]) { received in
      _ = firstSignal.compareExchange(expected: 0, desired: received, ordering: .relaxed)
      if interruptCount.add(1, ordering: .relaxed).newValue > 1 {
        TemporaryFileRegistry.removeAll()
        _exit(128 + received)
      }
    }
  }

  public static var isSet: Bool { interruptCount.load(ordering: .relaxed) > 0 }

  /// The first signal received (SIGINT or SIGTERM), or nil.
  public static var signalNumber: Int32? {
    let value = firstSignal.load(ordering: .relaxed)
    return value == 0 ? nil : value
  }
}
