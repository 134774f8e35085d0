/// Which scorer's alignment a WER is made to agree with.
///
/// - `kaldi`: unit costs (substitution, insertion and deletion all cost 1). Counts follow
///   Kaldi's `compute-wer`: per cell, substitution/match only when strictly cheaper than both
///   insertion and deletion, else deletion when strictly cheaper than insertion, else
///   insertion. Alignment records follow Kaldi's `align-text` backtrace (match/substitution
///   when not worse than both, else deletion when not worse than insertion). The error total
///   is the unit-cost minimum edit distance either way.
/// - `sclite`: NIST sclite's weighted costs (substitution 4, insertion 3, deletion 3, match 0);
///   per cell match/substitution when not worse than both, else deletion when strictly cheaper
///   than insertion, else insertion. The error total can exceed the minimum edit distance
///   (ref `b b a d c d`, hyp `d c d d a b c`: Kaldi 6 errors, sclite 7). sclite's special
///   tokens (`@`, `(optional)` words, fragments) are ordinary words here.
public enum AlignmentRule: String, Sendable, CaseIterable {
  case kaldi, sclite
}
