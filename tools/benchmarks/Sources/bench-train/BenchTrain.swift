import FileIO
import Foundation
import NCECore
import NCEModel

/// Training and evaluation throughput next to the ideal rate from FLOP counts.
///
/// Settings: Pytorch-NCE's PTB config (2x200 LSTM, emsize 200, batch 20, bptt 35, sentence
/// mode; V from PTB when ../shared/data/ptb is present, else a synthetic Zipfian corpus with
/// V = 10,000) and the Switchboard-sized one (1x300, emsize 300, V = 30,000, batch 96, k = 500,
/// concat; synthetic Zipfian tokens). Real tokens only (padding excluded).
@main
struct BenchTrain {
  static let peakFLOPs = 250e9  // sgemm on both cores of the reference machine

  static func main() throws {
    let arguments = CommandLine.arguments
    // --threads N: N data-parallel workers (single-threaded BLAS each), as `rnnlm-train --threads`;
    // --blas-threads N: one worker with N-threaded OpenBLAS.
    let threads = arguments.firstIndex(of: "--threads").map { Int(arguments[$0 + 1])! } ?? 1
    let blasThreads = arguments.firstIndex(of: "--blas-threads").map { Int(arguments[$0 + 1])! } ?? 1
    let sentences = arguments.firstIndex(of: "--sentences").map { Int(arguments[$0 + 1])! } ?? 1500
    // --repeat N (default 3): run every row N times and report the fastest (shared machines are
    // noisy; the fastest run is the least disturbed one).
    let repeats = arguments.firstIndex(of: "--repeat").map { max(1, Int(arguments[$0 + 1])!) } ?? 3
    // --only TEXT: just the rows whose setting or criterion contains TEXT (e.g. "nce k=100", "SWBD").
    let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
    func wanted(_ setting: String, _ criterion: String) -> Bool {
      only.map { setting.contains($0) || criterion.contains($0) } ?? true
    }
    // --profile: after each training row, the share of thread time per kernel family
    // (`KernelProfile`, summed over all repeats of the row).
    let profile = arguments.contains("--profile")
    BLAS.threads = blasThreads
    print(
      "### Training and evaluation (OpenBLAS \(BLAS.coreName); \(threads) worker(s), \(blasThreads) BLAS thread(s) each; best of \(repeats))"
    )
    print("")
    print(
      "| setting | criterion | mode | tokens/s | ideal tokens/s (FLOPs at 250 GFLOP/s) | ratio |"
        + (profile ? " share of thread time |" : ""))
    print("|---|---|---|---:|---:|---:|" + (profile ? "---|" : ""))
    let ptb = try ptbCorpus(sentences: sentences)
    for (loss, k) in [(LossKind.full, 0), (.nce, 100), (.nce, 500), (.sampled, 100)] {
      guard wanted("PTB", loss == .full ? "CE" : "\(loss.rawValue) k=\(k)") else { continue }
      var config = ModelConfig(vocabularySize: ptb.vocabulary.count)
      config.loss = loss
      config.noiseRatio = max(k, 1)
      let options = oneEpoch(threads: threads)
      let (rate, shares) = try profiled(profile, threads: threads, repeats: repeats) {
        try trainingRate(config: config, options: options, corpus: ptb.corpus, vocabulary: ptb.vocabulary)
      }
      let ideal = peakFLOPs / trainingFLOPs(config, k: k)
      row(
        "PTB 2x200, V=\(config.vocabularySize)", loss == .full ? "CE" : "\(loss.rawValue) k=\(k)", "sentence", rate,
        ideal, shares)
    }
    // Issue 16's GRU setting: 1x200 GRU, NCE k=20, batched noise and noise per word.
    for perWord in [false, true] {
      let criterion = perWord ? "nce k=20 per-word noise" : "nce k=20"
      guard wanted("PTB GRU", criterion) else { continue }
      var config = ModelConfig(vocabularySize: ptb.vocabulary.count)
      config.cell = .gru
      config.layers = 1
      config.loss = .nce
      config.noiseRatio = 20
      config.perWordNoise = perWord
      let options = oneEpoch(threads: threads)
      let (rate, shares) = try profiled(profile, threads: threads, repeats: repeats) {
        try trainingRate(config: config, options: options, corpus: ptb.corpus, vocabulary: ptb.vocabulary)
      }
      row(
        "PTB GRU 1x200, V=\(config.vocabularySize)", criterion, "sentence", rate,
        peakFLOPs / trainingFLOPs(config, k: 20), shares)
    }
    let evalConfig = ModelConfig(vocabularySize: ptb.vocabulary.count)
    for mode in ScoringMode.allCases where wanted("PTB", "evaluation \(mode.rawValue)") {
      let rate = (0..<repeats).map { _ in
        evaluationRate(config: evalConfig, corpus: ptb.corpus, mode: mode, threads: threads)
      }.max()!
      let flops =
        2.0 * Double(recurrentFLOPs(evalConfig))
        + (mode == .normalized ? 2.0 * Double(evalConfig.embeddingSize * evalConfig.vocabularySize) : 0)
      row("PTB 2x200, V=\(evalConfig.vocabularySize)", "evaluation", mode.rawValue, rate, peakFLOPs / flops)
    }
    let swbd = zipfCorpus(vocabulary: 30_000, tokens: 120_000, seed: 3)
    var swbdRates: [LossKind: Double] = [:]
    for loss in [LossKind.full, .nce] where wanted("SWBD", loss == .full ? "CE" : "nce k=500") {
      var config = ModelConfig(vocabularySize: swbd.vocabulary.count)
      config.embeddingSize = 300
      config.hiddenSize = 300
      config.layers = 1
      config.loss = loss
      config.noiseRatio = 500
      var options = oneEpoch(threads: threads)
      options.batchSize = 96
      options.concat = true
      options.learningRate = 2
      let (rate, shares) = try profiled(profile, threads: threads, repeats: repeats) {
        try trainingRate(config: config, options: options, corpus: swbd.corpus, vocabulary: swbd.vocabulary)
      }
      swbdRates[loss] = rate
      row(
        "SWBD-size 1x300, V=30000", loss == .full ? "CE" : "nce k=500", "concat", rate,
        peakFLOPs / trainingFLOPs(config, k: loss == .full ? 0 : 500), shares)
    }
    if let nce = swbdRates[.nce], let ce = swbdRates[.full] {
      print("")
      print("SWBD-size NCE/CE training speed ratio: \(String(format: "%.1f", nce / ce))x")
    }
    // Issue 15: NCE k=100 with direct features (`--direct 100 --direct-order 4`) against the same
    // without, the two alternating in each round, each at its second epoch's rate (the first
    // also allocates and faults in the workers' gradient tables, once per run).
    if wanted("PTB direct", "direct features") {
      var plain = ModelConfig(vocabularySize: ptb.vocabulary.count)
      plain.loss = .nce
      plain.noiseRatio = 100
      var direct = plain
      direct.direct = DirectFeatureConfig(tableSize: 100_000_000, order: 4)
      var options = oneEpoch(threads: threads)
      options.epochs = 2
      var rounds: [(direct: Double, plain: Double)] = []
      for _ in 0..<repeats {
        let withFeatures = try trainingRate(
          config: direct, options: options, corpus: ptb.corpus, vocabulary: ptb.vocabulary)
        let without = try trainingRate(config: plain, options: options, corpus: ptb.corpus, vocabulary: ptb.vocabulary)
        rounds.append((withFeatures.rate, without.rate))
      }
      let best = (direct: rounds.map(\.direct).max()!, plain: rounds.map(\.plain).max()!)
      let ratios = rounds.map { $0.direct / $0.plain }.sorted()
      let median =
        ratios.count % 2 == 1
        ? ratios[ratios.count / 2] : (ratios[ratios.count / 2 - 1] + ratios[ratios.count / 2]) / 2
      print("")
      print(
        "Direct features: \(String(format: "%.3f", best.direct / best.plain)) of the tokens/s without them (best \(Int(best.direct)) against best \(Int(best.plain)), second epochs, \(repeats) alternating rounds; median of the rounds' ratios \(String(format: "%.3f", median)))"
      )
    }
  }

  static func row(
    _ setting: String, _ criterion: String, _ mode: String, _ rate: Double, _ ideal: Double, _ shares: String? = nil
  ) {
    print(
      "| \(setting) | \(criterion) | \(mode) | \(Int(rate)) | \(Int(ideal)) | \(String(format: "%.2f", rate / ideal)) |"
        + (shares.map { " \($0) |" } ?? "")
    )
  }

  /// The fastest of `repeats` runs of `run` (which returns tokens/s, epoch seconds, the epoch's
  /// training loss and CPU seconds) and, with `profile`, the share of the runs' thread time
  /// (`threads` x epoch seconds) per kernel family, the share of CPU time by which the workers'
  /// shares were uneven (`KernelProfile.workImbalanceSeconds`), the training loss (fixed seed:
  /// equal across builds up to float rounding) and the least CPU time of one run.
  static func profiled(
    _ profile: Bool, threads: Int, repeats: Int,
    _ run: () throws -> (rate: Double, seconds: Double, loss: Double, cpuSeconds: Double)
  ) rethrows -> (Double, String?) {
    KernelProfile.isEnabled = profile
    defer { KernelProfile.isEnabled = false }
    let runs = try (0..<repeats).map { _ in try run() }
    let rate = runs.map(\.rate).max()!
    guard profile else { return (rate, nil) }
    let threadSeconds = Double(threads) * runs.map(\.seconds).reduce(0, +)
    var parts: [String] = []
    var accounted = 0.0
    for kernel in KernelProfile.Kernel.allCases {
      let share = KernelProfile.seconds(kernel) / threadSeconds
      accounted += share
      parts.append("\(kernel.rawValue) \(Int((100 * share).rounded()))%")
    }
    // CPU time one worker used beyond another (the wait an idle machine would still see), as a
    // share of the CPU time: on a loaded machine thread time is mostly time descheduled.
    let cpuSeconds = runs.map(\.cpuSeconds).reduce(0, +)
    parts.append(
      "uneven work \(String(format: "%.1f", 100 * KernelProfile.workImbalanceSeconds / cpuSeconds))% of CPU time")
    parts.append("rest \(Int((100 * (1 - accounted)).rounded()))%")
    parts.append("train loss \(String(format: "%.6f", runs[0].loss))")
    parts.append("least CPU time \(String(format: "%.3f", runs.map(\.cpuSeconds).min()!)) s")
    return (rate, parts.joined(separator: ", "))
  }

  /// Multiply-adds of the recurrent part per token (forward).
  static func recurrentFLOPs(_ c: ModelConfig) -> Int {
    let gates = c.cell == .lstm ? 4 : 3
    var total = 0
    for layer in 0..<c.layers {
      let input = layer == 0 ? c.embeddingSize : c.hiddenSize
      total += gates * c.hiddenSize * (input + c.hiddenSize)
    }
    if c.hiddenSize != c.embeddingSize { total += c.hiddenSize * c.embeddingSize }
    return total
  }

  /// FLOPs per token of one training step: forward + two backward GEMMs (3x forward).
  static func trainingFLOPs(_ c: ModelConfig, k: Int) -> Double {
    let output = k == 0 ? c.embeddingSize * c.vocabularySize : c.embeddingSize * (k + 1)
    return 3 * 2 * Double(recurrentFLOPs(c) + output)
  }

  /// One epoch on `threads` workers, no progress lines: the options every training row starts from.
  static func oneEpoch(threads: Int) -> TrainingOptions {
    var options = TrainingOptions()
    options.epochs = 1
    options.logInterval = Int.max
    options.threads = threads
    return options
  }

  /// Tokens per second of one epoch, set up by the library's training pipeline
  /// (`TrainingSession.prepare` on corpora in memory: no checkpoints are written).
  static func trainingRate(config: ModelConfig, options: TrainingOptions, corpus: Corpus, vocabulary: Vocabulary) throws
    -> (rate: Double, seconds: Double, loss: Double, cpuSeconds: Double)
  {
    var request = TrainingRequest(savePath: nil)
    request.model = config
    request.normTerm = .fixed(config.normTerm)
    request.options = options
    request.availableMemory = nil
    let session = try TrainingSession.prepare(request, vocabulary: vocabulary, train: corpus, valid: nil, test: nil)
    var result = (rate: 0.0, seconds: 0.0, loss: 0.0, cpuSeconds: 0.0)
    let cpuStart = processCPUSeconds()
    _ = try session.run(report: { event in
      if case .epochFinished(let record) = event {
        result = (record.tokensPerSecond, record.seconds, record.trainLoss, 0)
      }
    })
    result.cpuSeconds = processCPUSeconds() - cpuStart
    return result
  }

  /// CPU time of the whole process (all threads): on a loaded machine the figure to compare,
  /// where wall-clock rates mostly measure the other jobs.
  static func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  static func evaluationRate(config: ModelConfig, corpus: Corpus, mode: ScoringMode, threads: Int) -> Double {
    var rng = SeededGenerator(seed: 1)
    let model = RNNLanguageModel(config: config, using: &rng)
    let scorer = SentenceScorer(model: model, mode: mode, threads: threads)
    let sentences = (0..<corpus.sentenceCount).map { corpus.sentence($0) }
    let start = Date()
    _ = scorer.score(sentences)
    return Double(corpus.predictionCount) / Date().timeIntervalSince(start)
  }

  static func ptbCorpus(sentences: Int) throws -> (corpus: Corpus, vocabulary: Vocabulary) {
    let path = "../shared/data/ptb/train.txt"
    guard FileManager.default.fileExists(atPath: path) else {
      return zipfCorpus(vocabulary: 10_000, tokens: sentences * 21, seed: 2)
    }
    let vocabulary = try Vocabulary.build(trainingText: path, minFreq: 1)
    let lines = try LineReader.lines(of: path).prefix(sentences)
    let ids = lines.map { $0.split(separator: " ").map { vocabulary.id(of: $0) } }
    return (Corpus(sentences: ids), vocabulary)
  }

  /// Sentences of 20 tokens drawn from a Zipf(1) distribution over `vocabulary` words.
  static func zipfCorpus(vocabulary size: Int, tokens: Int, seed: UInt64) -> (corpus: Corpus, vocabulary: Vocabulary) {
    var rng = SeededGenerator(seed: seed)
    let weights = (0..<(size - 3)).map { 1 / Double($0 + 1) }
    let sampler = try! AliasSampler(weights: weights)
    var counts = [Int](repeating: 0, count: size)
    let sentences = (0..<(tokens / 20)).map { _ in
      (0..<20).map { _ -> Int32 in
        let id = sampler.sample(using: &rng) + 3
        counts[Int(id)] += 1
        return id
      }
    }
    counts[Int(Vocabulary.eosID)] = sentences.count
    let words = Vocabulary.reservedWords + (3..<size).map { "w\($0)" }
    let vocabulary = try! Vocabulary(words: words, counts: counts, unknownTypeCount: nil)
    return (Corpus(sentences: sentences), vocabulary)
  }
}
