import FileIO
import Foundation

/// lnZ, the log-normalizer of NCE scores: a number, or `auto` = ln V of the vocabulary built.
public enum NormTermSetting: Sendable, Equatable {
  case fixed(Float)
  case auto

  /// `"auto"` or a number; nil otherwise.
  public init?(_ text: String) {
    if text == "auto" {
      self = .auto
    } else if let value = Float(text) {
      self = .fixed(value)
    } else {
      return nil
    }
  }

  func value(vocabularySize: Int) -> Float {
    switch self {
    case .fixed(let value): value
    case .auto: Float(Foundation.log(Double(vocabularySize)))
    }
  }
}

/// What a training run is asked to do: the inputs of `TrainingSession.prepare`, as
/// `rnnlm-train`'s options give them.
public struct TrainingRequest: Sendable {
  /// A directory with `train.txt`, `valid.txt`, `test.txt` (each may be `.zst`).
  public var dataDirectory: String?
  /// Texts named one by one; each overrides `dataDirectory`.
  public var trainText: String?
  public var validText: String?
  public var testText: String?
  /// A vocabulary file (one word per line, optional count), else built from the training text.
  public var vocabularyFile: String?
  /// Words seen fewer times map to `<unk>` (a built vocabulary only).
  public var minFrequency = 1
  /// The architecture and criterion; `vocabularySize` and `normTerm` are set by `prepare`.
  public var model = ModelConfig(vocabularySize: 0)
  public var normTerm = NormTermSetting.fixed(9)
  /// Optimisation settings; on resume those of the checkpoint are used instead, but for
  /// `epochs` (when given) and `threads`.
  public var options = TrainingOptions()
  /// The total number of epochs when it was given explicitly: a resumed run keeps the
  /// checkpoint's otherwise.
  public var epochs: Int?
  /// The model file to write (the result); the latest state goes to `lastPath`. Nil: no
  /// checkpoints (a run on corpora in memory, e.g. a benchmark); runs from files need one.
  public var savePath: String?
  /// Continue from `lastPath`: texts, vocabulary, model and options come from there.
  public var resume = false
  /// The command-line names of the options the user gave (`lr`, `nhid`, ...): on `--resume`
  /// each must equal what the checkpoint records (`checkResumable`).
  public var givenOptions: Set<String> = []
  /// Bytes the run may use; nil: no check. Defaults to the machine's (or the job's) limit.
  public var availableMemory: Double? = physicalMemoryBytes()

  public init(savePath: String?) { self.savePath = savePath }

  /// `<save>.last`: the complete training state after every epoch and on interruption.
  public var lastPath: String? { savePath.map { $0 + ".last" } }

  /// The file of one text: the explicit path, else `<dataDirectory>/<name>` (or its `.zst`
  /// when only that exists), else nil.
  func path(_ explicit: String?, _ name: String) -> String? {
    if let explicit { return explicit }
    guard let dataDirectory else { return nil }
    let plain = "\(dataDirectory)/\(name)"
    let manager = FileManager.default
    return !manager.fileExists(atPath: plain) && manager.fileExists(atPath: plain + ".zst") ? plain + ".zst" : plain
  }
}
