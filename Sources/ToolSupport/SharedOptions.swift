import ArgumentParser

/// Options every tool accepts.
public struct SharedOptions: ParsableArguments {
  @Option(help: "A file of Kaldi-style options, one --name=value per line; the command line overrides it.")
  public var config: String?

  public init() {}
}
