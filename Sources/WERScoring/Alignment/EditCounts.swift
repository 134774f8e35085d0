/// Word error counts of one sentence or a whole corpus.
public struct EditCounts: Equatable, Sendable {
  public var insertions: Int
  public var deletions: Int
  public var substitutions: Int
  /// Number of reference words (the WER denominator).
  public var referenceWords: Int

  public init(
    insertions: Int = 0, deletions: Int = 0, substitutions: Int = 0, referenceWords: Int = 0
  ) {
    self.insertions = insertions
    self.deletions = deletions
    self.substitutions = substitutions
    self.referenceWords = referenceWords
  }

  /// Insertions + deletions + substitutions.
  public var errors: Int { insertions + deletions + substitutions }

  /// Reference words aligned to an identical hypothesis word.
  public var correct: Int { referenceWords - deletions - substitutions }

  public static func += (a: inout EditCounts, b: EditCounts) {
    a.insertions += b.insertions
    a.deletions += b.deletions
    a.substitutions += b.substitutions
    a.referenceWords += b.referenceWords
  }
}
