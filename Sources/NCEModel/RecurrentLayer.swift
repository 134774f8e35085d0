import NCECore

/// A recurrent layer over a time-major sequence: rows `t*batch ..< (t+1)*batch` of the input
/// are time step `t`. Parameters are shared; per-call activations live in `Cache`, so several
/// threads can run one layer with separate caches (rescoring).
public protocol RecurrentLayer: AnyObject {
  associatedtype Cache
  var inputSize: Int { get }
  var hiddenSize: Int { get }
  var parameters: [Parameter] { get }
  func makeCache() -> Cache
  func initialState(batch: Int) -> RecurrentState
  /// Runs `steps` time steps from `state`; returns the outputs `[steps*batch x hiddenSize]`
  /// and replaces `state` with the final state. With `activeLanes` (`Batch.activeLanes`) only
  /// the first `activeLanes[t]` lanes are computed at step `t`; the others (padding) get zero
  /// outputs and state.
  func forward(_ input: Matrix, steps: Int, state: inout RecurrentState, cache: inout Cache, activeLanes: [Int32]?) -> Matrix
  /// Accumulates parameter gradients from `gradOutput` (same shape as the output of the last
  /// `forward` with this cache) and returns the gradient with respect to the input. Gradient
  /// does not flow into the initial state (truncated back-propagation).
  func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix
}
