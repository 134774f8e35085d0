import FileIO
import Foundation
import NCECore
import Testing

@testable import NBestRescoring

@Suite struct ARPAModelTests {
  static let ln10 = log(10.0)

  /// A 3-gram model whose costs are worked out by hand below (and agree with KenLM).
  static let toy = """
    \\data\\
    ngram 1=5
    ngram 2=4
    ngram 3=2

    \\1-grams:
    -99\t<s>\t-0.5
    -1.0\ta\t-0.3
    -1.2\tb\t-0.2
    -0.8\t</s>
    -2.0\t<unk>

    \\2-grams:
    -0.4\t<s> a\t-0.1
    -0.6\ta b\t-0.25
    -0.3\tb </s>
    -0.7\ta a

    \\3-grams:
    -0.2\t<s> a b
    -0.1\ta b </s>

    \\end\\

    """

  static func model(_ text: String, name: String = "lm.arpa") throws -> ARPAModel {
    let directory = try TestSupport.directory(with: [name: text])
    return try ARPAModel(path: directory + "/" + name)
  }

  /// log10 probabilities per word and </s>, from the back-off recursion by hand.
  @Test(arguments: [
    ("a b", [-0.4, -0.2, -0.1]),  // full trigram matches
    ("b a", [-1.7, -1.2, -1.1]),  // unigram + bo(<s>); unigram + bo(b); unigram + bo(a)
    ("a a b", [-0.4, -0.8, -0.6, -0.1]),  // bigram + bo(<s> a); bigram, (a a) has no bo
    ("zzz a b", [-2.5, -1.0, -0.6, -0.1]),  // OOV -> <unk>
  ])
  func handComputedCosts(sentence: String, log10Probs: [Double]) throws {
    let model = try Self.model(Self.toy)
    #expect(model.order == 3)
    #expect(model.counts == [5, 4, 2])
    let costs = model.wordCosts(sentence.split(separator: " "))
    #expect(costs.count == log10Probs.count)
    for (cost, p) in zip(costs, log10Probs) { #expect(abs(cost - -p * Self.ln10) < 1e-5) }
    #expect(abs(model.sentenceCost(sentence.split(separator: " ")) - costs.reduce(0, +)) < 1e-12)
  }

  @Test func missingUnkGetsKenLMsSubstitute() throws {
    let text = Self.toy.replacingOccurrences(of: "-2.0\t<unk>\n", with: "")
      .replacingOccurrences(of: "ngram 1=5", with: "ngram 1=4")
    let model = try Self.model(text)
    #expect(!model.hasUnknownWord)
    let costs = model.wordCosts(["zzz"])
    #expect(abs(costs[0] - 100.5 * Self.ln10) < 1e-3)  // -100 + bo(<s>) -0.5, as KenLM
    #expect(abs(costs[1] - 0.8 * Self.ln10) < 1e-5)
  }

  @Test func emptySentenceIsJustEndOfSentence() throws {
    let model = try Self.model(Self.toy)
    let costs = model.wordCosts([String]())
    #expect(costs.count == 1)
    #expect(abs(costs[0] - 1.3 * Self.ln10) < 1e-5)  // </s> -0.8 + bo(<s>) -0.5
  }

  func loadError(_ text: String) throws -> String {
    do {
      _ = try Self.model(text)
    } catch let error as InputError {
      return "\(error.line.map(String.init) ?? "-"): \(error.message)"
    }
    Issue.record("no error")
    return ""
  }

  @Test func countMismatchIsAnError() throws {
    let message = try loadError(Self.toy.replacingOccurrences(of: "ngram 2=4", with: "ngram 2=5"))
    #expect(message == "3: \\data\\ declares 5 2-grams, the section has 4")
  }

  @Test func missingPrefixIsAnError() throws {
    let message = try loadError(Self.toy.replacingOccurrences(of: "-0.2\t<s> a b", with: "-0.2\tb a b"))
    #expect(message == "20: the prefix of this 3-gram is not a 2-gram of the model")
  }

  @Test func unknownWordInHigherOrderIsAnError() throws {
    let message = try loadError(Self.toy.replacingOccurrences(of: "-0.7\ta a", with: "-0.7\ta c"))
    #expect(message == "17: word 'c' of a 2-gram is not among the unigrams")
  }

  @Test func badNumberIsAnError() throws {
    let message = try loadError(Self.toy.replacingOccurrences(of: "-1.2\tb\t-0.2", with: "x\tb\t-0.2"))
    #expect(message == "9: log probability is not a number: 'x'")
  }

  /// Costs of the committed PTB 4-gram fixture on 298 real N-best hypotheses, against the
  /// costs KenLM's Python module computed (committed; regenerate with Reference/kenlm_costs.py).
  @Test func matchesStoredKenLMCostsOnRealSentences() throws {
    let model = try ARPAModel(path: TestSupport.fixture("ptb250.4gram.arpa.gz"))
    #expect(model.order == 4)
    let sentences = try LineReader.lines(of: TestSupport.fixture("nbest-dev-sentences.txt"))
    let expected = try LineReader.lines(of: TestSupport.fixture("nbest-dev-sentences.kenlm-costs.txt"))
    try #require(sentences.count == expected.count && sentences.count > 200)
    try Self.compare(model: model, sentences: sentences, kenlmLines: expected)
  }

  /// The same check with KenLM run now; skipped when `python3 -c 'import kenlm'` fails.
  @Test(.enabled(if: TestSupport.kenlmAvailable, "needs python3 with kenlm (pip install kenlm)"))
  func matchesLiveKenLMOnRealSentences() throws {
    let arpa = TestSupport.fixture("ptb250.4gram.arpa.gz")
    let sentences = TestSupport.fixture("nbest-dev-sentences.txt")
    let result = try TestSupport.run(["python3", TestSupport.referenceScript("kenlm_costs.py"), arpa, sentences])
    try #require(result.status == 0)
    let kenlmLines = result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    try Self.compare(
      model: try ARPAModel(path: arpa), sentences: try LineReader.lines(of: sentences), kenlmLines: kenlmLines)
  }

  /// Per-word agreement within 1e-4 nats (KenLM prints 6 decimals and stores Floats).
  static func compare(model: ARPAModel, sentences: [String], kenlmLines: [String]) throws {
    try #require(sentences.count == kenlmLines.count)
    var unknownSeen = false
    for (sentence, line) in zip(sentences, kenlmLines) {
      let words = sentence.split(separator: " ")
      unknownSeen = unknownSeen || words.contains { !model.contains(String($0)) }
      let reference = line.split(separator: " ").map { Double($0)! }
      let costs = model.wordCosts(words)
      try #require(costs.count == reference.count, "\(sentence)")
      for (cost, ref) in zip(costs, reference) { #expect(abs(cost - ref) < 1e-4, "\(sentence)") }
    }
    #expect(unknownSeen, "the sentences should exercise <unk>")
  }
}

extension ARPAModelTests {
  @Test func replacesTheCostsOfAList() throws {
    let model = try Self.model(Self.toy)
    var list = NBestList(
      utteranceID: "u",
      hypotheses: [NBestHypothesis(rank: 1, words: ["a", "b"], acousticCost: 1, graphCost: 0, ngramCost: 99)])
    list.setNgramCosts(from: model)
    let hypothesis = list.hypotheses[0]
    #expect(hypothesis.ngramWordCosts?.count == 3)
    #expect(abs(hypothesis.ngramCost! - 0.7 * Self.ln10) < 1e-5)
  }
}
