import Foundation
import NBestRescoring
import NCECore
import NCEModel

/// Rescoring throughput on nbest-dev: hypotheses/s and words/s for normalized and unnormalized
/// RNN scoring through prefix trees (`NBestRNNScorer`), the same through flat `SentenceScorer`
/// batches, and the forward steps prefix sharing saves. One thread, one timed run per row
/// (each is seconds long, so timer noise is negligible), the fastest of `--repeat` runs (default 5).
///
/// Usage: bench-rescore [--model M] [--nbest-dir DIR] [--ptb DIR] [--chunk HYPOTHESES] [--repeat N]
/// Without --model: a randomly initialised 2x200 LSTM (emsize 200) over the PTB training
/// vocabulary (V = 10,000), so the benchmark runs standalone.
@main
enum BenchRescore {
  static func main() {
    do {
      try run()
    } catch {
      FileHandle.standardError.write(Data("bench-rescore: \(error)\n".utf8))
      exit(1)
    }
  }

  static func run() throws {
    let options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    BLAS.threads = 1
    let lists = try KaldiNBestArchiveReader(directory: options.nbestDirectory).readAll()
    let (model, vocabulary, origin) = try options.loadModel()
    let hypotheses = lists.reduce(0) { $0 + $1.hypotheses.count }
    let words = lists.reduce(0) { $0 + $1.hypotheses.reduce(0) { $0 + $1.words.count + 1 } }
    let sentences = lists.flatMap { $0.hypotheses.map { $0.words.map { vocabulary.id(of: $0) }[...] } }

    var rows: [(String, String, String)] = []
    var treeSeconds: [ScoringMode: Double] = [:]
    var statistics = PrefixSharingStatistics()
    // The two modes alternate, so that the fastest run of each meets the same machine load
    // (on a shared machine single runs vary by a third).
    let modes = [ScoringMode.normalized, .unnormalized]
    let treeScorers = modes.map {
      NBestRNNScorer(
        model: model, vocabulary: vocabulary, mode: $0, oovCost: OOVCost(penalty: 0),
        chunkHypotheses: options.chunkHypotheses)
    }
    for _ in 0..<options.repeats {
      for (mode, scorer) in zip(modes, treeScorers) {
        var scored = lists
        let seconds = timed { statistics = scorer.score(&scored) }
        treeSeconds[mode] = min(treeSeconds[mode] ?? .infinity, seconds)
      }
    }
    for mode in modes {
      rows.append(
        (
          "prefix tree, \(mode.rawValue)", "\(hypotheses) hyps, \(words) tokens, chunks of \(options.chunkHypotheses)",
          throughput(hypotheses, words, treeSeconds[mode]!)
        ))
    }
    for mode in [ScoringMode.normalized, .unnormalized] {
      let scorer = SentenceScorer(model: model, mode: mode, batchSize: 64)
      let seconds = (0..<options.repeats).map { _ in timed { _ = scorer.score(sentences) } }.min()!
      rows.append(
        ("flat SentenceScorer, \(mode.rawValue)", "batch 64 sentences", throughput(hypotheses, words, seconds)))
    }
    let speedup = (treeSeconds[.normalized] ?? 0) / max(treeSeconds[.unnormalized] ?? 1, 1e-9)
    rows.append(("unnormalized / normalized speed", "prefix tree", String(format: "%.1fx", speedup)))
    rows.append(
      (
        "prefix sharing", "\(statistics.distinctHypotheses) distinct of \(statistics.hypotheses)",
        String(
          format: "%d forward steps instead of %d (%.1f%% saved); %d output scores instead of %d",
          statistics.treeSteps, statistics.flatTokens, 100 * statistics.stepSaving, statistics.treeTargets,
          statistics.flatTokens)
      ))
    print(
      "### bench-rescore: RNN scoring of nbest-dev (\(origin), V = \(vocabulary.count), 1 thread, best of \(options.repeats))\n"
    )
    print("| benchmark | setting | result |")
    print("|---|---|---|")
    for (benchmark, setting, result) in rows { print("| \(benchmark) | \(setting) | \(result) |") }
  }

  /// CPU seconds of the process spent in `body` (one thread, BLAS single-threaded): unlike
  /// wall clock it is not inflated by other jobs on a shared machine.
  static func timed(_ body: () -> Void) -> Double {
    func now() -> Double {
      var t = timespec()
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
      return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    let start = now()
    body()
    return now() - start
  }

  static func throughput(_ hypotheses: Int, _ words: Int, _ seconds: Double) -> String {
    String(
      format: "%.0f hyps/s, %.0f words/s (%.2f CPU s)", Double(hypotheses) / seconds, Double(words) / seconds, seconds)
  }
}
