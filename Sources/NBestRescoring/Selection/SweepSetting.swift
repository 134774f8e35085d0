/// One point of a weight sweep: RNN weight `w`, LM weight `LMWT`, insertion penalty `wip`
/// and, when the sweep covers OOV costs, the OOV cost per word outside the RNN's vocabulary;
/// with the labels used in file names.
public struct SweepSetting: Sendable, Equatable {
  public var rnnWeight: Double
  public var lmWeight: Double
  public var insertionPenalty: Double
  public var rnnWeightLabel: String
  public var lmWeightLabel: String
  public var insertionPenaltyLabel: String
  /// The OOV cost in nats and its label; nil when the sweep keeps the scorer's.
  public var oovCost: (value: Double, label: String)?

  public init(
    rnnWeight: Double, lmWeight: Double, insertionPenalty: Double, rnnWeightLabel: String, lmWeightLabel: String,
    insertionPenaltyLabel: String, oovCost: (value: Double, label: String)? = nil
  ) {
    self.rnnWeight = rnnWeight
    self.lmWeight = lmWeight
    self.insertionPenalty = insertionPenalty
    self.rnnWeightLabel = rnnWeightLabel
    self.lmWeightLabel = lmWeightLabel
    self.insertionPenaltyLabel = insertionPenaltyLabel
    self.oovCost = oovCost
  }

  /// `wer_<LMWT>_<WIP>_rnn<w>`, Kaldi's `score_kaldi.sh` name with the RNN weight appended,
  /// then `_unk<cost>` when the sweep covers OOV costs.
  public var werName: String {
    "wer_\(lmWeightLabel)_\(insertionPenaltyLabel)_rnn\(rnnWeightLabel)" + (oovCost.map { "_unk\($0.label)" } ?? "")
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.rnnWeight == b.rnnWeight && a.lmWeight == b.lmWeight && a.insertionPenalty == b.insertionPenalty
      && a.rnnWeightLabel == b.rnnWeightLabel && a.lmWeightLabel == b.lmWeightLabel
      && a.insertionPenaltyLabel == b.insertionPenaltyLabel && a.oovCost?.value == b.oovCost?.value
      && a.oovCost?.label == b.oovCost?.label
  }
}
