/// Removal of the sentence markers that some N-best formats write around the words.
enum SentenceMarkers {
  /// `words` without one leading `<s>` and one trailing `</s>`, if present.
  static func strip(_ words: ArraySlice<Substring>) -> [String] {
    var slice = words
    if slice.first == "<s>" { slice = slice.dropFirst() }
    if slice.last == "</s>" { slice = slice.dropLast() }
    return slice.map(String.init)
  }
}
