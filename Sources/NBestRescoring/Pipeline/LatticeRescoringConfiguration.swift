import FileIO
import Foundation
import NCEModel

/// Everything a run of `LatticeRescoringPipeline` needs (`rescore-lattice` fills it from its
/// options; docs/lattices.md gives each field's option).
public struct LatticeRescoringConfiguration: Sendable {
  /// How the lattice inputs are read.
  public enum Format: String, Sendable, CaseIterable {
    /// Kaldi text archives (any rspecifier: `ark,t:`, plain, `.gz`, `.zst`, a `... |` pipe).
    case kaldi
    /// HTK SLF: a directory of `*.lat[.gz]` files, or SLF files given one by one.
    case htk
    /// `htk` for a directory or a file named `*.lat`/`*.slf` (optionally `.gz`/`.zst`), else `kaldi`.
    case auto
  }

  /// Lattice inputs, in order (`--lattices`, repeatable).
  public var lattices: [String]
  public var format = Format.auto
  /// Kaldi `words.txt` (`--symbol-table`).
  public var symbolTable: String
  /// The RNN LM (`--model`).
  public var model: String
  /// Where `text`, `wer_*`, `best_weights` and `oracle_wer` go (`--out`).
  public var outputDirectory: String
  public var scoring: ScoringMode = .normalized
  public var unkPenalty: Double?
  public var oovTypes: Double?
  /// Histories are merged when their last `maxNgramOrder - 1` words agree (Kaldi's default 4).
  public var maxNgramOrder = 4
  /// Utterances rescored in parallel (results do not depend on it).
  public var threads = 1
  public var reference: String?
  public var rnnWeights = WeightGrid(values: [0.5])
  public var lmWeights = WeightGrid(values: [10])
  public var insertionPenalties = WeightGrid(values: [0])
  public var rules = ScoringRules()
  /// The rescored lattices of the (single) RNN weight, in the input format: a Kaldi
  /// wspecifier (`ark,t:FILE`, `ark:FILE` or FILE) for Kaldi input, a directory for SLF input.
  public var writeLattices: String?
  /// `--nbest N DIR`: a Kaldi N-best archive directory of the N best distinct word sequences.
  public var nbest: (count: Int, directory: String)?
  /// `--oracle`: the lattice oracle WER against `reference` (file `oracle_wer`, and the log).
  public var oracle = false
  /// The oracle paths as a Kaldi `text` (`--oracle-text`).
  public var oracleText: String?
  /// `--old-lm`: the ARPA model whose costs, recomputed on the expanded lattice, are the old
  /// n-gram costs removed (without it: the lattice's SLF `l=`, else the whole graph cost).
  public var oldLM: String?
  /// `--word-map`: lattice words -> LM tokens; the RNN, the texts and the oracle use the tokens.
  public var wordMap: String?
  /// `--lattice-compose-beam`: expand only states within this beam of the best of their level
  /// (`LatticeRNNRescorer.Pruning`); nil: no beam.
  public var composeBeam: Double?
  /// `--max-arcs`: stop creating arcs of a lattice after this many (one path is always kept).
  public var maxArcs: Int?

  public init(lattices: [String], symbolTable: String, model: String, outputDirectory: String) {
    self.lattices = lattices
    self.symbolTable = symbolTable
    self.model = model
    self.outputDirectory = outputDirectory
  }

  /// The LMWT and insertion penalty under which histories are merged (`--merge-lmwt`,
  /// `--merge-wip`); nil: the middle value of the grid (the lower middle for an even count).
  public var mergeLMWeight: Double?
  public var mergeInsertionPenalty: Double?
  /// `--merge-rnn-weight`: expand and rescore each lattice once, merging under this RNN weight,
  /// and give every RNN weight of the grid the same RNN costs (one rescoring instead of one per
  /// RNN weight); nil: one rescoring per RNN weight, merging under that weight.
  public var mergeRNNWeight: Double?

  /// The setting under which histories are merged (the best path into a merged state keeps its
  /// RNN state): `mergeLMWeight` and `mergeInsertionPenalty`, with RNN weight `rnnWeight`.
  public func mergeWeights(rnnWeight: Double) -> LatticeRNNRescorer.Weights {
    LatticeRNNRescorer.Weights(
      lmWeight: mergeLMWeight ?? lmWeights.values[(lmWeights.values.count - 1) / 2],
      insertionPenalty: mergeInsertionPenalty ?? insertionPenalties.values[(insertionPenalties.values.count - 1) / 2],
      rnnWeight: rnnWeight)
  }

  /// Whether the grids hold exactly one setting.
  public var isSingleSetting: Bool {
    rnnWeights.values.count == 1 && lmWeights.values.count == 1 && insertionPenalties.values.count == 1
  }

  /// The combinations that make no sense, as a `RescoringUsageError`.
  public func validate() throws {
    func refuse(_ message: String) -> RescoringUsageError { RescoringUsageError(message: message) }
    if lattices.isEmpty { throw refuse("give at least one --lattices input") }
    if threads < 1 { throw refuse("--threads must be at least 1") }
    if maxNgramOrder < 1 { throw refuse("--max-ngram-order must be at least 1, got \(maxNgramOrder)") }
    if unkPenalty != nil && oovTypes != nil { throw refuse("give either --unk-penalty or --oov-types") }
    if let merge = mergeLMWeight, !(merge > 0 && merge.isFinite) {
      throw refuse("--merge-lmwt must be a positive LM weight, got \(merge)")
    }
    if let merge = mergeRNNWeight, !merge.isFinite { throw refuse("--merge-rnn-weight must be finite, got \(merge)") }
    if let merge = mergeInsertionPenalty, !merge.isFinite { throw refuse("--merge-wip must be finite, got \(merge)") }
    if let bad = lmWeights.values.first(where: { !($0 > 0) }) {
      throw refuse("--lm-weights: every LM weight (LMWT) must be positive, got \(bad)")
    }
    if reference == nil && !isSingleSetting {
      throw refuse("a sweep over several weight settings needs --ref to choose from")
    }
    if let beam = composeBeam, !(beam >= 0) { throw refuse("--lattice-compose-beam must be at least 0, got \(beam)") }
    if let maxArcs, maxArcs < 1 { throw refuse("--max-arcs must be at least 1, got \(maxArcs)") }
    if oracle && reference == nil { throw refuse("--oracle needs --ref") }
    if oracleText != nil && !oracle { throw refuse("--oracle-text needs --oracle") }
    if writeLattices != nil && rnnWeights.values.count != 1 {
      throw refuse(
        "--write-lattices writes the lattices of one RNN weight: give one --rnn-weights value (e.g. from best_weights)")
    }
    if let nbest {
      if nbest.count < 1 { throw refuse("--nbest N DIR: N must be at least 1, got \(nbest.count)") }
      if !isSingleSetting {
        throw refuse(
          "--nbest ranks paths under one setting: give one value each of --rnn-weights, --lm-weights and --wip (e.g. --config best_weights)"
        )
      }
    }
  }
}
