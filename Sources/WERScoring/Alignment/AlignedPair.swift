/// What one column of an alignment does to the reference.
public enum EditOperation: String, Sendable, CaseIterable {
  case correct = "C"
  case substitution = "S"
  case insertion = "I"
  case deletion = "D"
}

/// One column of a word alignment: a reference word, a hypothesis word, or both.
/// `reference == nil` is an insertion, `hypothesis == nil` a deletion.
public struct AlignedPair: Equatable, Sendable {
  public var reference: String?
  public var hypothesis: String?

  public init(reference: String?, hypothesis: String?) {
    precondition(reference != nil || hypothesis != nil, "an aligned pair needs at least one word")
    self.reference = reference
    self.hypothesis = hypothesis
  }

  public var operation: EditOperation {
    switch (reference, hypothesis) {
    case (nil, _): return .insertion
    case (_, nil): return .deletion
    case (let r?, let h?): return r == h ? .correct : .substitution
    }
  }
}

extension Sequence where Element == AlignedPair {
  /// The counts this alignment implies.
  public var editCounts: EditCounts {
    var counts = EditCounts()
    for pair in self {
      switch pair.operation {
      case .correct: counts.referenceWords += 1
      case .substitution:
        counts.substitutions += 1
        counts.referenceWords += 1
      case .deletion:
        counts.deletions += 1
        counts.referenceWords += 1
      case .insertion: counts.insertions += 1
      }
    }
    return counts
  }
}
