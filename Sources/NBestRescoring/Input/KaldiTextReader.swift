import FileIO
import NCECore

/// Reads a Kaldi `text` file (`utt-id w1 w2 ...`, words may be absent) into a table.
///
/// A repeated utterance id is an `InputError` naming the file and line. Plain, `.gz`, `.zst`
/// or `-`.
public enum KaldiTextReader {
  /// The transcripts of `path` keyed by utterance id, plus the ids in file order.
  public static func read(path: String) throws -> (transcripts: [String: [String]], order: [String]) {
    let reader = try KaldiTableLineReader(path: path)
    var transcripts: [String: [String]] = [:]
    var order: [String] = []
    while let (key, words) = try reader.next() {
      let id = String(key)
      guard transcripts.updateValue(words.map(String.init), forKey: id) == nil else {
        throw InputError("duplicate utterance id '\(id)'", file: reader.path, line: reader.lineNumber)
      }
      order.append(id)
    }
    return (transcripts, order)
  }
}
