import Dispatch

/// Runs `body(i)` for `i` in `0..<count` on up to `threads` cores. With one thread it is a
/// plain loop, so results that depend on order stay deterministic. Callers guarantee that
/// iterations touch disjoint memory.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
  if threads <= 1 || count <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  // concurrentPerform would use every core for `count` iterations; split the range into
  // `workers` contiguous blocks instead so that at most `threads` run at once.
  let workers = min(threads, count)
  withoutActuallyEscaping(body) { escapable in
    nonisolated(unsafe) let work = escapable
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for i in (worker * count / workers)..<((worker + 1) * count / workers) { work(i) }
    }
  }
}
