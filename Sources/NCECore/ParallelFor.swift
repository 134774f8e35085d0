import Dispatch

/// Runs `body(i)` for `i` in `0..<count` on up to `threads` cores. With one thread it is a
/// plain loop, so results that depend on order stay deterministic. Callers guarantee that
/// iterations touch disjoint memory.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
  if threads <= 1 || count <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  withoutActuallyEscaping(body) { escapable in
    nonisolated(unsafe) let work = escapable
    DispatchQueue.concurrentPerform(iterations: count) { work($0) }
  }
}
