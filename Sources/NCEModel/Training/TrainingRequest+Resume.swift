import FileIO

extension TrainingRequest {
  /// On `--resume` the model, the vocabulary and the training options come from `<save>.last`.
  /// Rerunning the same command with `--resume` is the usual way to continue, so options that
  /// were given (`givenOptions`) are accepted when they equal what the file records; one that
  /// differs is refused, naming it and both values, instead of being silently ignored.
  /// `--epochs`, `--threads`, the texts (checked by fingerprint) and the output options may change.
  func checkResumable(
    options recorded: TrainingOptions, model: ModelConfig, vocabulary: Vocabulary, trainingText: String, file: String
  ) throws {
    func text(_ value: some CustomStringConvertible) -> String { value.description }
    let norm = normTerm.value(vocabularySize: vocabulary.count)
    let settings: [(name: String, given: String, recorded: String)] = [
      ("lr", text(options.learningRate), text(recorded.learningRate)),
      ("lr-decay", text(options.learningRateDecay), text(recorded.learningRateDecay)),
      ("weight-decay", text(options.weightDecay), text(recorded.weightDecay)),
      ("momentum", text(options.momentum), text(recorded.momentum)),
      ("clip", text(options.clip), text(recorded.clip)),
      ("batch-size", text(options.batchSize), text(recorded.batchSize)),
      ("bptt", text(options.bptt), text(recorded.bptt)),
      ("concat", text(options.concat), text(recorded.concat)),
      ("bucket-by-length", text(options.bucketByLength), text(recorded.bucketByLength)),
      ("carry-state", text(options.carryState), text(recorded.carryState)),
      ("seed", text(options.seed), text(recorded.seed)),
      ("emsize", text(self.model.embeddingSize), text(model.embeddingSize)),
      ("nhid", text(self.model.hiddenSize), text(model.hiddenSize)),
      ("nlayers", text(self.model.layers), text(model.layers)),
      ("cell", self.model.cell.rawValue, model.cell.rawValue),
      ("dropout", text(self.model.dropout), text(model.dropout)),
      ("tie-weights", text(self.model.tieWeights), text(model.tieWeights)),
      ("loss", self.model.loss.rawValue, model.loss.rawValue),
      ("noise-ratio", text(self.model.noiseRatio), text(model.noiseRatio)),
      ("norm-term", text(norm), text(model.normTerm)),
      ("per-word-noise", text(self.model.perWordNoise), text(model.perWordNoise)),
      ("noise-power", text(self.model.noisePower), text(model.noisePower)),
      ("remove-accidental-hits", text(self.model.removeAccidentalHits), text(model.removeAccidentalHits)),
      ("index-module", self.model.indexModule?.rawValue ?? "none", model.indexModule?.rawValue ?? "none"),
      (
        "direct", text(Double(self.model.direct?.tableSize ?? 0) / 1e6),
        text(Double(model.direct?.tableSize ?? 0) / 1e6)
      ),
      ("direct-order", text(self.model.direct?.order ?? 0), text(model.direct?.order ?? 0)),
      ("direct-lr", text(options.directLearningRate), text(recorded.directLearningRate)),
      ("direct-l2", text(options.directL2), text(recorded.directL2)),
    ]
    for setting in settings where givenOptions.contains(setting.name) && setting.given != setting.recorded {
      throw InputError(
        "--\(setting.name) \(setting.given) differs from \(setting.recorded), which this run was trained with: "
          + "a resumed run keeps its model and training options (train a new model to change them)",
        file: file)
    }
    if givenOptions.contains("vocab") || givenOptions.contains("min-freq") {
      let requested =
        try vocabularyFile.map { try Vocabulary.load(path: $0) }
        ?? Vocabulary.build(trainingText: trainingText, minFreq: minFrequency)
      if requested.words != vocabulary.words {
        throw InputError(
          "--\(vocabularyFile == nil ? "min-freq \(minFrequency)" : "vocab \(vocabularyFile!)") gives \(requested.count) "
            + "words, not the \(vocabulary.count) this run was trained with: a resumed run keeps its vocabulary",
          file: file)
      }
    }
  }
}
