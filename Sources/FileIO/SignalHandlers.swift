#if canImport(Glibc)
  import Glibc
#endif

/// Installs `handler` for `signals` and unblocks them in the calling thread (threads created
/// later inherit the mask): a blocked mask is inherited from some launchers and test runners,
/// and a blocked signal would never arrive.
public func installSignalHandler(_ signals: [Int32], _ handler: @convention(c) (Int32) -> Void) {
  var mask = sigset_t()
  sigemptyset(&mask)
  for signalNumber in signals {
    signal(signalNumber, handler)
    sigaddset(&mask, signalNumber)
  }
  pthread_sigmask(SIG_UNBLOCK, &mask, nil)
}
