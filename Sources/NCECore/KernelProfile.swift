import Dispatch
import Foundation
import Synchronization

/// Thread-seconds spent per kernel family, summed over all threads; off by default (one
/// relaxed atomic load per instrumented call then). `bench-train --profile` turns it on to print
/// where training time goes (perf counters are not available on the reference VM).
public enum KernelProfile {
  /// The instrumented families; no family's timed calls nest inside another's.
  public enum Kernel: String, CaseIterable, Sendable {
    /// `BLAS.gemm` into OpenBLAS (all-steps and output-layer products).
    case openBLAS = "OpenBLAS sgemm"
    /// `BLAS.recurrentGEMM`: the per-step recurrent products.
    case stepGEMM = "per-step GEMM"
    /// The gradient reduction over workers and the SGD update (wall time x thread count).
    case update = "reduction + update"
    /// Workers idle in a batch's parallel region until the slowest one finishes (region wall
    /// time x workers, minus each worker's busy time).
    case workerWait = "waiting for the other worker"
  }

  private static let enabled = Atomic<Bool>(false)
  private static let openBLAS = Atomic<Int>(0)
  private static let stepGEMM = Atomic<Int>(0)
  private static let update = Atomic<Int>(0)
  private static let workerWait = Atomic<Int>(0)
  private static let workImbalance = Atomic<Int>(0)

  /// Whether calls are timed. Turning it on clears the totals.
  public static var isEnabled: Bool {
    get { enabled.load(ordering: .relaxed) }
    set {
      if newValue { reset() }
      enabled.store(newValue, ordering: .relaxed)
    }
  }

  /// Clears all totals.
  public static func reset() {
    openBLAS.store(0, ordering: .relaxed)
    stepGEMM.store(0, ordering: .relaxed)
    update.store(0, ordering: .relaxed)
    workerWait.store(0, ordering: .relaxed)
    workImbalance.store(0, ordering: .relaxed)
  }

  /// CPU seconds by which the workers of `parallelWorkers` regions had uneven work: per region,
  /// the most CPU time one worker used minus each worker's, summed. The part of `.workerWait`
  /// that uneven shares cause even on an idle machine; the rest of the wait is a worker woken
  /// late or descheduled (on a shared machine, most of it).
  public static var workImbalanceSeconds: Double { Double(workImbalance.load(ordering: .relaxed)) * 1e-9 }

  /// Thread-seconds recorded for `kernel` since the profile was enabled.
  public static func seconds(_ kernel: Kernel) -> Double {
    let nanoseconds: Int
    switch kernel {
    case .openBLAS: nanoseconds = openBLAS.load(ordering: .relaxed)
    case .stepGEMM: nanoseconds = stepGEMM.load(ordering: .relaxed)
    case .update: nanoseconds = update.load(ordering: .relaxed)
    case .workerWait: nanoseconds = workerWait.load(ordering: .relaxed)
    }
    return Double(nanoseconds) * 1e-9
  }

  /// Runs `body`, adding its wall time times `threads` to `kernel` when the profile is on.
  @inline(__always)
  public static func measure<R>(_ kernel: Kernel, threads: Int = 1, _ body: () throws -> R) rethrows -> R {
    guard enabled.load(ordering: .relaxed) else { return try body() }
    let start = DispatchTime.now().uptimeNanoseconds
    defer { add(Double(DispatchTime.now().uptimeNanoseconds - start) * Double(threads), to: kernel) }
    return try body()
  }

  /// Runs `body(i)` for `i` in `0..<count` on `count` threads (`parallelFor`), adding the time
  /// workers spent idle waiting for the slowest to `.workerWait` when the profile is on.
  public static func parallelWorkers(_ count: Int, _ body: (Int) -> Void) {
    guard enabled.load(ordering: .relaxed) else { return parallelFor(count, threads: count, body) }
    var busy = [UInt64](repeating: 0, count: count)
    var cpu = [Int](repeating: 0, count: count)
    let start = DispatchTime.now().uptimeNanoseconds
    busy.withUnsafeMutableBufferPointer { out in
      cpu.withUnsafeMutableBufferPointer { cpuOut in
        parallelFor(count, threads: count) { worker in
          let begin = DispatchTime.now().uptimeNanoseconds
          let cpuBegin = threadCPUNanoseconds()
          body(worker)
          cpuOut[worker] = threadCPUNanoseconds() - cpuBegin
          out[worker] = DispatchTime.now().uptimeNanoseconds - begin
        }
      }
    }
    let region = Double(DispatchTime.now().uptimeNanoseconds - start) * Double(count)
    add(max(0, region - busy.reduce(0.0) { $0 + Double($1) }), to: .workerWait)
    let most = cpu.max() ?? 0
    workImbalance.wrappingAdd(cpu.reduce(0) { $0 + most - $1 }, ordering: .relaxed)
  }

  /// CPU time of the calling thread.
  private static func threadCPUNanoseconds() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec)
  }

  private static func add(_ nanoseconds: Double, to kernel: Kernel) {
    let amount = Int(nanoseconds)
    switch kernel {
    case .openBLAS: openBLAS.wrappingAdd(amount, ordering: .relaxed)
    case .stepGEMM: stepGEMM.wrappingAdd(amount, ordering: .relaxed)
    case .update: update.wrappingAdd(amount, ordering: .relaxed)
    case .workerWait: workerWait.wrappingAdd(amount, ordering: .relaxed)
    }
  }
}
