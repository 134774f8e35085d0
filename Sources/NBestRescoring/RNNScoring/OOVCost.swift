import FileIO
import Foundation
import NCECore
import NCEModel

/// The cost in nats added to the RNN cost of each word outside the model's vocabulary (such a
/// word is scored as `<unk>`, whose probability covers every unseen type; the OOV cost spreads
/// it over them).
///
/// Rules, in order: `--unk-penalty X` gives X; `--oov-types N` gives `ln N`; otherwise
/// `ln(vocabulary.unknownTypeCount)` when the vocabulary was cut by `--min-freq` (and at least
/// one type was cut); otherwise (the training text itself contained `<unk>`, as PTB does, or no
/// type was cut) `ln V` with V the vocabulary size, i.e. as many unseen types as seen ones
/// (≈ 9.21 nats for PTB), and `note` says so.
public struct OOVCost: Sendable, Equatable {
  /// Nats per OOV word (non-negative, finite).
  public let penalty: Double
  /// A one-line explanation when the default had to be guessed, for the log.
  public let note: String?

  public init(penalty: Double, note: String? = nil) {
    self.penalty = penalty
    self.note = note
  }

  /// Applies the rules above. Throws an `InputError` for a negative or non-finite penalty or
  /// an `oovTypes` below 1, or when both options are given.
  public static func resolve(unkPenalty: Double?, oovTypes: Double?, vocabulary: Vocabulary) throws -> OOVCost {
    if unkPenalty != nil && oovTypes != nil {
      throw InputError("give either --unk-penalty or --oov-types, not both")
    }
    if let unkPenalty {
      guard unkPenalty.isFinite && unkPenalty >= 0 else {
        throw InputError("--unk-penalty must be a finite number >= 0, got \(unkPenalty)")
      }
      return OOVCost(penalty: unkPenalty)
    }
    if let oovTypes {
      guard oovTypes.isFinite && oovTypes >= 1 else { throw InputError("--oov-types must be >= 1, got \(oovTypes)") }
      return OOVCost(penalty: log(oovTypes))
    }
    if let cut = vocabulary.unknownTypeCount, cut > 0 {
      return OOVCost(penalty: log(Double(cut)))
    }
    let size = vocabulary.count
    let reason =
      vocabulary.unknownTypeCount == nil
      ? "the model's training text contained <unk> (or the vocabulary came from a file), so the number of OOV types is unknown"
      : "no word type was mapped to <unk> in training"
    return OOVCost(
      penalty: log(Double(size)),
      note:
        "\(reason); OOV cost ln(V) = ln(\(size)) = \(String(format: "%.2f", log(Double(size)))) nats per OOV word (set --unk-penalty or --oov-types)"
    )
  }
}
