import Foundation
import NBestRescoring
import NCECore
import NCEModel

/// A tiny randomly initialised model and N-best lists for the RNN scoring tests.
enum RNNScoringSupport {
  static let words = ["the", "cat", "sat", "on", "mat", "dog", "ran", "a", "big", "red", "hat", "in"]

  /// `<unk> <s> </s>` + `words`; `unknownTypeCount` as given.
  static func vocabulary(unknownTypeCount: Int? = nil) -> Vocabulary {
    let all = Vocabulary.reservedWords + words
    return try! Vocabulary(
      words: all, counts: [Int](repeating: 1, count: all.count), unknownTypeCount: unknownTypeCount)
  }

  /// A 2-layer LSTM (or GRU) 8/8 with non-zero output biases, so costs differ per word.
  /// With `direct`, the direct features get random weights too.
  static func model(cell: CellType = .lstm, seed: UInt64 = 7, direct: DirectFeatureConfig? = nil) -> RNNLanguageModel {
    var config = ModelConfig(vocabularySize: Vocabulary.reservedWords.count + words.count)
    config.embeddingSize = 8
    config.hiddenSize = 8
    config.layers = 2
    config.cell = cell
    config.dropout = 0
    config.normTerm = 2.5
    config.direct = direct
    var rng = SeededGenerator(seed: seed)
    let model = RNNLanguageModel(config: config, using: &rng)
    for i in 0..<model.output.bias.value.rows { model.output.bias.value[i, 0] = Float(i % 5) * 0.3 - 0.6 }
    if let table = model.output.direct?.weight {
      table.value = ParameterInitializer.uniform(rows: table.value.rows, cols: 1, bound: 1, using: &rng)
    }
    return model
  }

  /// Three utterances with shared prefixes, a duplicate, an empty hypothesis and OOV words.
  static func lists() -> [NBestList] {
    func list(_ id: String, _ hypotheses: [String]) -> NBestList {
      NBestList(
        utteranceID: id,
        hypotheses: hypotheses.enumerated().map { rank, text in
          NBestHypothesis(
            rank: rank + 1, words: text.split(separator: " ").map(String.init), acousticCost: Double(10 + rank),
            graphCost: 0.1, ngramCost: 5)
        })
    }
    return [
      list("u1", ["the cat sat on the mat", "the cat sat on a mat", "the cat sat", "the cat sat on the mat", ""]),
      list("u2", ["a big red hat", "a big zebra hat", "a big red hat in the", "a dog ran"]),
      list("u3", ["dog ran", "dog ran in the big mat", "quokka quokka", "the <unk> sat"]),
    ]
  }

  /// Flat reference: `SentenceScorer` word costs for every hypothesis, in list order.
  static func flatWordCosts(_ lists: [NBestList], model: RNNLanguageModel, vocabulary: Vocabulary, mode: ScoringMode)
    -> [[Float]]
  {
    let sentences = lists.flatMap { $0.hypotheses.map { $0.words.map { vocabulary.id(of: $0) }[...] } }
    return SentenceScorer(model: model, mode: mode, batchSize: 3).score(sentences, keepWordCosts: true).wordCosts
  }

  /// `|a - b| <= tolerance * max(|a|, |b|, 1)`.
  static func isClose(_ a: Double, _ b: Double, relative tolerance: Double) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b), 1)
  }
}
