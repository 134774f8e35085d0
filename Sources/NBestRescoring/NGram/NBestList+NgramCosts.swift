extension NBestList {
  /// Sets every hypothesis's per-word and total n-gram cost from `model` (`</s>` included,
  /// `<s>` context only), replacing costs read from the list (e.g. `lmwt.lmonly`).
  public mutating func setNgramCosts(from model: ARPAModel) {
    for index in hypotheses.indices {
      hypotheses[index].setNgramWordCosts(model.wordCosts(hypotheses[index].words))
    }
  }
}
