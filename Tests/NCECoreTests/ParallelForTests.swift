import Foundation
import Testing

@testable import NCECore

@Suite struct ParallelForTests {
  @Test(arguments: [0, 1, 2, 7, 1000], [1, 2, 3, 64])
  func everyIndexRunsExactlyOnce(count: Int, threads: Int) {
    let visits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
    visits.initialize(repeating: 0)
    defer { visits.deallocate() }
    parallelFor(count, threads: threads) { i in visits[i] += 1 }
    #expect(visits.prefix(count).allSatisfy { $0 == 1 })
  }

  @Test func neverRunsMoreThanThreadsAtOnce() {
    let lock = NSLock()
    nonisolated(unsafe) var running = 0
    nonisolated(unsafe) var peak = 0
    parallelFor(64, threads: 2) { _ in
      lock.lock()
      running += 1
      peak = max(peak, running)
      lock.unlock()
      usleep(200)
      lock.lock()
      running -= 1
      lock.unlock()
    }
    #expect(peak >= 1 && peak <= 2)
  }
}
