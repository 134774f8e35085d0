import FileIO
import Foundation
import NBestRescoring
import NCECore
import NCEModel

/// Lattice RNN rescoring against N-best rescoring on the same utterances, one thread: per
/// scoring mode, the CPU seconds of `NBestRNNScorer` on nbest-dev's 50-best lists, then of
/// `LatticeRNNRescorer` on lattice-dev's 150 lattices (word-mapped by `ptbtok.map`) for each
/// order and beam, with arcs, RNN states (forward steps) and output scores, and the ratio to the
/// N-best time. Weights LMWT 9.5, wip 0, RNN weight 0.5, no old LM (its cost is not timed).
/// Lattices are rescored in groups of `--group` (default 16; 1 = one at a time) sharing batches.
///
/// Usage: bench-lattice --model M [--lattice-dir DIR] [--nbest-dir DIR] [--orders 2,3,4]
///        [--beams inf,8] [--modes normalized,unnormalized] [--group N]
@main
enum BenchLattice {
  static func main() {
    do {
      try run()
    } catch {
      FileHandle.standardError.write(Data("bench-lattice: \(error)\n".utf8))
      exit(1)
    }
  }

  static func run() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../..").standardized.path
    var options = [
      "--lattice-dir": root + "/../shared/data/lattice-dev",
      "--nbest-dir": root + "/../shared/data/nbest-dev/archives.1",
      "--orders": "2,3,4,5,6", "--beams": "inf,8", "--modes": "normalized,unnormalized", "--group": "16",
    ]
    var arguments = Array(CommandLine.arguments.dropFirst())
    while arguments.count >= 2, options[arguments[0]] != nil || arguments[0] == "--model" {
      options[arguments[0]] = arguments[1]
      arguments.removeFirst(2)
    }
    guard arguments.isEmpty, let modelPath = options["--model"], let group = Int(options["--group"]!), group > 0 else {
      throw InputError(
        "usage: bench-lattice --model M [--lattice-dir DIR] [--nbest-dir DIR] [--orders 2,3] [--beams inf,8] [--modes normalized,unnormalized] [--group N]"
      )
    }
    let orders = options["--orders"]!.split(separator: ",").compactMap { Int($0) }
    let beams = options["--beams"]!.split(separator: ",").compactMap { Double($0) }
    let modes = options["--modes"]!.split(separator: ",").compactMap { ScoringMode(rawValue: String($0)) }
    BLAS.threads = 1
    let file = try ModelFile.read(path: modelPath)
    let directory = options["--lattice-dir"]!
    let symbols = try SymbolTable(path: directory + "/words.txt")
    let lattices = try KaldiLatticeReader(rspecifier: "ark:" + directory + "/lat.kaldi.txt.gz").readAll()
    let tokens = LatticeTokenSequences(
      symbols: symbols, vocabulary: file.vocabulary, wordMap: try LatticeWordMap(path: directory + "/ptbtok.map"))
    let lists = try KaldiNBestArchiveReader(directory: options["--nbest-dir"]!).readAll()
    let weights = LatticeRNNRescorer.Weights(lmWeight: 9.5, insertionPenalty: 0, rnnWeight: 0.5)
    let arcs = lattices.reduce(0) { $0 + $1.arcs.count }
    print(
      "### bench-lattice: \((modelPath as NSString).lastPathComponent), V = \(file.vocabulary.count), \(lattices.count) lattices (\(arcs) arcs), \(lists.count) N-best lists, 1 thread, CPU seconds, lattices in groups of \(group)\n"
    )
    print("| mode | rescoring | arcs | RNN states | output scores | seconds | x N-best |")
    print("|---|---|---|---|---|---|---|")
    for mode in modes {
      let scorer = NBestRNNScorer(
        model: file.model, vocabulary: file.vocabulary, mode: mode, oovCost: OOVCost(penalty: 0))
      var scored = lists
      var statistics = PrefixSharingStatistics()
      let nbestSeconds = timed { statistics = scorer.score(&scored) }
      let hypotheses = lists.reduce(0) { $0 + $1.hypotheses.count }
      print(
        "| \(mode.rawValue) | N-best, \(hypotheses) hypotheses | - | \(statistics.treeSteps) | \(statistics.treeTargets) | \(String(format: "%.2f", nbestSeconds)) | 1 |"
      )
      let rescorer = LatticeRNNRescorer(model: file.model, mode: mode, oovCost: OOVCost(penalty: 0), tokens: tokens)
      for order in orders {
        for beam in beams {
          var keptArcs = 0
          var states = 0
          var targets = 0
          var failure: Error?
          let seconds = timed {
            do {
              for start in stride(from: 0, to: lattices.count, by: group) {
                let chunk = Array(lattices[start..<min(lattices.count, start + group)])
                let results = try rescorer.rescore(
                  chunk, maxNgramOrder: order, oldLM: chunk.map { _ in .none }, weights: weights,
                  pruning: .init(beam: beam))
                for result in results {
                  keptArcs += result.lattice.arcs.count
                  states += result.rnnStates
                  targets += result.rnnTargets
                }
              }
            } catch { failure = error }
          }
          if let failure { throw failure }
          print(
            "| \(mode.rawValue) | lattice order \(order), beam \(beam) | \(keptArcs) | \(states) | \(targets) | \(String(format: "%.2f", seconds)) | \(String(format: "%.2f", seconds / nbestSeconds)) |"
          )
        }
      }
    }
  }

  /// CPU seconds of the process spent in `body` (one thread, BLAS single-threaded).
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
}
