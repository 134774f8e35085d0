import NCECore

/// A recurrent layer over a time-major sequence batch whose rows are arranged by a
/// `StepLayout` (dense, or packed without padding). Parameters are shared; per-call
/// activations live in `Cache`, so several threads can run one layer with separate caches
/// (rescoring).
public protocol RecurrentLayer: AnyObject {
  associatedtype Cache
  var inputSize: Int { get }
  var hiddenSize: Int { get }
  var parameters: [Parameter] { get }
  func makeCache() -> Cache
  func initialState(batch: Int) -> RecurrentState
  /// Runs the steps of `layout` from `state` on `input` (`[layout.rows x inputSize]`); returns
  /// the outputs `[layout.rows x hiddenSize]` in the same layout and replaces `state` with the
  /// final state (zero for lanes that ended before the last step).
  func forward(_ input: Matrix, layout: StepLayout, state: inout RecurrentState, cache: inout Cache) -> Matrix
  /// The same at evaluation when the input projection `input · W_ih` of row `i` is row `ids[i]`
  /// of `table`; no `backward` may follow.
  func forward(
    inputRows ids: UnsafeBufferPointer<Int32>, of table: Matrix, layout: StepLayout, state: inout RecurrentState,
    cache: inout Cache
  ) -> Matrix
  /// Accumulates parameter gradients from `gradOutput` (same shape as the output of the last
  /// `forward` with this cache) and returns the gradient with respect to the input. Gradient
  /// does not flow into the initial state (truncated back-propagation).
  func backward(_ gradOutput: Matrix, cache: inout Cache) -> Matrix
}
