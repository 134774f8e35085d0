/// One point of a weight sweep: RNN weight `w`, LM weight `LMWT`, insertion penalty `wip`,
/// with the labels used in file names.
public struct SweepSetting: Sendable, Equatable {
  public var rnnWeight: Double
  public var lmWeight: Double
  public var insertionPenalty: Double
  public var rnnWeightLabel: String
  public var lmWeightLabel: String
  public var insertionPenaltyLabel: String

  /// `wer_<LMWT>_<WIP>_rnn<w>`, Kaldi's `score_kaldi.sh` name with the RNN weight appended.
  public var werName: String { "wer_\(lmWeightLabel)_\(insertionPenaltyLabel)_rnn\(rnnWeightLabel)" }
}
