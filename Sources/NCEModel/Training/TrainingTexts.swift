import FileIO
import Foundation

/// What identifies a text as training reads it: its sentence and word counts and a 64-bit
/// FNV-1a hash of its word ids and sentence lengths under the model's vocabulary. Computed from
/// the tokenized corpus, so a `.zst` file, a Kaldi pipe or stdin get one as a plain file does,
/// and the text a resumed run reads is the one it was trained on exactly when the fingerprints
/// agree (spacing and words that map to the same id do not change training, nor the fingerprint).
public struct TextFingerprint: Codable, Sendable, Equatable, CustomStringConvertible {
  public var sentences: Int
  public var words: Int
  /// 16 hexadecimal digits (JSON numbers do not carry 64 bits exactly).
  public var hash: String

  /// One pass over the corpus, about 1 ns per word.
  public init(corpus: Corpus) {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    let prime: UInt64 = 0x0000_0100_0000_01B3
    corpus.tokens.withUnsafeBufferPointer { tokens in
      corpus.sentenceStarts.withUnsafeBufferPointer { starts in
        for sentence in 0..<(starts.count - 1) {
          hash = (hash ^ UInt64(starts[sentence + 1] - starts[sentence])) &* prime
          for position in starts[sentence]..<starts[sentence + 1] {
            hash = (hash ^ UInt64(UInt32(bitPattern: tokens[position]))) &* prime
          }
        }
      }
    }
    sentences = corpus.sentenceCount
    words = corpus.tokenCount
    let digits = String(hash, radix: 16)
    self.hash = String(repeating: "0", count: 16 - digits.count) + digits
  }

  public var description: String { "\(sentences) sentences, \(words) words, hash \(hash)" }
}

/// A text a run reads: where it was, and its fingerprint.
public struct RecordedText: Codable, Sendable, Equatable {
  /// An absolute path for a file; `-` or a Kaldi pipe `"cmd |"` as given.
  public var path: String
  public var fingerprint: TextFingerprint

  public init(path: String, corpus: Corpus) {
    self.path = Self.absolute(path)
    fingerprint = TextFingerprint(corpus: corpus)
  }

  /// `path` made absolute against the current directory when it names a file.
  static func absolute(_ path: String) -> String {
    guard OutputOverlap.filePath(of: path) == path, !path.hasPrefix("/") else { return path }
    return URL(fileURLWithPath: path).standardizedFileURL.path
  }
}

/// The texts of a training run, recorded in its checkpoints (`ModelFile.texts`): `--resume`
/// reads them again from there and refuses a text that changed.
public struct TrainingTexts: Codable, Sendable, Equatable {
  public var train: RecordedText
  public var valid: RecordedText?
  public var test: RecordedText?

  public init(train: RecordedText, valid: RecordedText?, test: RecordedText?) {
    self.train = train
    self.valid = valid
    self.test = test
  }
}
