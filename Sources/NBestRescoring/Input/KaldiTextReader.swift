import FileIO

/// Reads a Kaldi `text` table (`utt-id w1 w2 ...`, words may be absent), such as the
/// references of `rescore-nbest --ref`, keyed by utterance id.
public enum KaldiTextReader {
  /// The transcripts of the table named by `path`, a Kaldi rspecifier (`text`, `ark:text`,
  /// `ark,t:-`, `"ark:gunzip -c text.gz |"`, ...; see `KaldiTextTable`), keyed by utterance id,
  /// plus the ids in file order. A repeated utterance id is an `InputError` naming the file and
  /// both lines.
  public static func read(path: String) throws -> (transcripts: [String: [String]], order: [String]) {
    var transcripts: [String: [String]] = [:]
    var order: [String] = []
    for (key, words) in try KaldiTextTable.read(path) {
      transcripts[key] = words
      order.append(key)
    }
    return (transcripts, order)
  }

  /// The transcripts of `path` in file order (the references of a sweep), errors as `read`.
  public static func readInOrder(path: String) throws -> [(key: String, words: [String])] {
    let (transcripts, order) = try read(path: path)
    return order.map { ($0, transcripts[$0] ?? []) }
  }
}
