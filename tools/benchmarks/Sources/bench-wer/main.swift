// Scoring throughput of WERScoring's counting path (interned ids, one reused DP row).
// Target (issue 5): 1M reference words in < 2 s. Prints words/s for both rules.
import Foundation
import WERScoring

/// Deterministic corpus: 50,000 sentences of 20 words over a 5,000-word vocabulary, each
/// hypothesis with about 20% edits, like a 20%-WER recognizer's output.
func makeCorpus() -> (references: [[Int32]], hypotheses: [[Int32]]) {
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  func next(_ bound: Int) -> Int {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int((state >> 33) % UInt64(bound))
  }
  var references: [[Int32]] = []
  var hypotheses: [[Int32]] = []
  for _ in 0..<50_000 {
    let reference = (0..<20).map { _ in Int32(next(5_000)) }
    var hypothesis: [Int32] = []
    for word in reference {
      switch next(20) {
      case 0, 1: hypothesis.append(Int32(next(5_000)))  // substitution
      case 2: break  // deletion
      case 3: hypothesis += [word, Int32(next(5_000))]  // insertion
      default: hypothesis.append(word)
      }
    }
    references.append(reference)
    hypotheses.append(hypothesis)
  }
  return (references, hypotheses)
}

let corpus = makeCorpus()
let words = corpus.references.reduce(0) { $0 + $1.count }
for rule in AlignmentRule.allCases {
  var scratch = EditDistanceScratch()
  var summary = WERSummary()
  let start = DispatchTime.now().uptimeNanoseconds
  for index in corpus.references.indices {
    summary.add(scratch.counts(reference: corpus.references[index], hypothesis: corpus.hypotheses[index], rule: rule))
  }
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  let rate = Double(words) / seconds
  print(
    "bench-wer \(rule.rawValue): \(words) reference words in \(String(format: "%.3f", seconds)) s = "
      + "\(String(format: "%.1f", rate / 1e6))M words/s (WER \(String(format: "%.2f", summary.wer)))")
}

// The String path as compute-wer uses it: intern, then count.
let vocabulary = (0..<5_000).map { "w\($0)" }
let referenceText = corpus.references.map { $0.map { vocabulary[Int($0)] } }
let hypothesisText = corpus.hypotheses.map { $0.map { vocabulary[Int($0)] } }
var interner = WordInterner()
var scratch = EditDistanceScratch()
let start = DispatchTime.now().uptimeNanoseconds
var errors = 0
for index in referenceText.indices {
  let counts = scratch.counts(
    reference: interner.ids(referenceText[index]), hypothesis: interner.ids(hypothesisText[index]), rule: .kaldi)
  errors += counts.errors
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(
  "bench-wer kaldi (strings, interned per sentence): \(words) words in \(String(format: "%.3f", seconds)) s = "
    + "\(String(format: "%.1f", Double(words) / seconds / 1e6))M words/s (\(errors) errors)")
