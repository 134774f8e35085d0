/// The scoring module on top of the context RNN (`rnnlm-train --index-module`), Pytorch-NCE's
/// `--index-module` choice.
public enum IndexModuleKind: String, Codable, Sendable, CaseIterable {
  /// The usual output layer: `s(w, h) = h · W[w] + b[w]` (Pytorch-NCE's `IndexLinear`).
  case none
  /// Full-NCE (Pytorch-NCE's `IndexGRU`): a word is scored by one more step of the model's
  /// one-layer GRU on its input embedding, started from the context state, followed by a
  /// scalar regressor. Unnormalized sentence scores only; see `IndexGRUModule`.
  case gru
}
