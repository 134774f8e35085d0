import FileIO
import Foundation
import NCECore

/// The N-best input formats of SPEC.md §3, for a `--nbest-format` option.
public enum NBestFormat: String, Sendable, CaseIterable {
  /// Kaldi `rnnlmrescore.sh` archive directory (`words_text`, `acwt`, `lmwt.*`).
  case kaldi
  /// SRILM format 3: a directory of `<utt-id>.score[.gz]`, or one file with an id column.
  case srilm
  /// CUED-RNNLM N-best file.
  case cued

  /// Opens `path` in this format. For `srilm`, a directory is read as one file per utterance
  /// and a regular file as one file with an utterance-id column.
  public func reader(path: String) throws -> any NBestListReader {
    switch self {
    case .kaldi:
      return try KaldiNBestArchiveReader(directory: path)
    case .srilm:
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw InputError("no such file or directory", file: path)
      }
      return try SRILMNBestReader(isDirectory.boolValue ? .directory(path) : .file(path))
    case .cued:
      return try CUEDNBestReader(path: path)
    }
  }
}
