import FileIO

extension StandardOutput {
  /// Refuses a standard output redirected to one of the run's input files (`path`, and the
  /// option that named it), before any work: `--text t >> t` would read its own results, and
  /// `> t` has already emptied the input.
  public static func refuseInputs(_ inputs: [(path: String, option: String)]) throws {
    try OutputOverlap.refuseStandardOutput(inputs: inputs.map { OutputOverlap.Input($0.path, name: $0.option) })
  }
}
