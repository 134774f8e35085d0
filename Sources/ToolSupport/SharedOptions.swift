import ArgumentParser

/// Options every tool accepts.
public struct SharedOptions: ParsableArguments {
  @Option(help: "A file of Kaldi-style options, one --name=value per line; the command line overrides it.")
  public var config: String?

  @Option(help: "Verbosity of the log on stderr (0 = summaries only).")
  public var verbose: Int = 0

  public init() {}
}
