import Foundation

/// Checks, before a long run starts, that its outputs can be written where they are to go, so
/// that a missing or read-only directory fails at once instead of after hours of work.
public enum OutputProbe {
  /// Throws an `InputError` naming the first path that cannot be written: an existing
  /// directory, or a directory where no file can be created (the probe creates and removes
  /// the hidden temporary file an `AtomicFileStream` would write).
  public static func checkWritable(_ paths: [String]) throws {
    for path in paths {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw InputError("is a directory, cannot write a file there", file: path)
      }
      // Dropped without commit: the temporary file is removed at once.
      _ = try AtomicFileStream(path: path, bufferSize: 1)
    }
  }
}
