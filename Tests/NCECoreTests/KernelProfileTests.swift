import Foundation
import Testing

@testable import NCECore

/// `KernelProfile` records time per family only while enabled (process-wide state: the only
/// test that turns it on).
@Suite(.serialized) struct KernelProfileTests {
  @Test func recordsOnlyWhileEnabled() {
    let a = [Float](repeating: 0.5, count: 64 * 64)
    var c = [Float](repeating: 0, count: 64 * 64)
    func multiply(rows: Int, step: Bool) {
      a.withUnsafeBufferPointer { pa in
        c.withUnsafeMutableBufferPointer { pc in
          if step {
            BLAS.recurrentGEMM(
              m: rows, n: 64, k: 64, a: pa.baseAddress!, lda: 64, b: pa.baseAddress!, ldb: 64, c: pc.baseAddress!,
              ldc: 64, accumulate: false)
          } else {
            BLAS.gemm(
              transA: false, transB: false, m: rows, n: 64, k: 64, a: pa.baseAddress!, lda: 64, b: pa.baseAddress!,
              ldb: 64, c: pc.baseAddress!, ldc: 64)
          }
        }
      }
    }
    KernelProfile.isEnabled = true
    defer { KernelProfile.isEnabled = false }
    multiply(rows: 64, step: false)
    multiply(rows: 4, step: true)
    KernelProfile.parallelWorkers(2) { worker in
      if worker == 1 { Thread.sleep(forTimeInterval: 0.05) }
    }
    #expect(KernelProfile.seconds(.openBLAS) > 0)
    #expect(KernelProfile.seconds(.stepGEMM) > 0)
    #expect(KernelProfile.seconds(.workerWait) >= 0.03, "worker 0 waited about 0.05 s for worker 1")
    // Sleeping is waiting but no CPU work (other tests' regions may add a little); spinning is both.
    #expect(KernelProfile.workImbalanceSeconds < 0.04)
    KernelProfile.parallelWorkers(2) { worker in
      guard worker == 1 else { return }
      // 0.05 s of this thread's CPU time, however loaded the machine is.
      func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
      }
      let start = cpuSeconds()
      while cpuSeconds() - start < 0.05 {}
    }
    #expect(KernelProfile.workImbalanceSeconds >= 0.03, "worker 1 used about 0.05 s more CPU than worker 0")
    KernelProfile.isEnabled = false
    // Calls other tests started while the profile was on finish and record within this pause.
    Thread.sleep(forTimeInterval: 0.5)
    KernelProfile.reset()
    multiply(rows: 64, step: false)
    KernelProfile.parallelWorkers(2) { worker in
      if worker == 1 { Thread.sleep(forTimeInterval: 0.01) }
    }
    for kernel in KernelProfile.Kernel.allCases { #expect(KernelProfile.seconds(kernel) == 0, "\(kernel)") }
    #expect(KernelProfile.workImbalanceSeconds == 0)
  }
}
