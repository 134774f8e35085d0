import Foundation
import NCECore

/// A scorer's `RNNLanguageModel.makeInputProjectionTable()`, built on first use. It costs one
/// `[V x E] x [E x gates]` GEMM and `V x gates` floats, so it is used only up to `maximumBytes`
/// (V = 100,000 with 1x650 LSTM layers would need 1 GB); larger models multiply as training
/// does. The choice depends on the model alone, never on how the work is cut into calls or
/// threads, so scores stay identical for any `--threads`. The model's weights must not change
/// while a scorer holding this cache is in use.
public final class InputProjectionCache: @unchecked Sendable {
  public static let defaultMaximumBytes = 512 << 20
  public let maximumBytes: Int
  private let model: RNNLanguageModel
  private let lock = NSLock()
  private var built: Matrix?

  public init(model: RNNLanguageModel, maximumBytes: Int = InputProjectionCache.defaultMaximumBytes) {
    self.model = model
    self.maximumBytes = maximumBytes
  }

  /// The table (built on the first call), or nil when it would exceed `maximumBytes`.
  public func table() -> Matrix? {
    lock.lock()
    defer { lock.unlock() }
    if let built { return built }
    let bytes = model.config.vocabularySize * model.recurrent.firstInputWeight.value.cols * MemoryLayout<Float>.size
    guard bytes <= maximumBytes else { return nil }
    built = model.makeInputProjectionTable()
    return built
  }
}
