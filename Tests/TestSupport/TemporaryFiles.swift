import Foundation

/// A fresh directory under the system temporary directory, unique per call so that tests
/// running in parallel never share files. The caller removes it with `removeTree`.
public func makeTemporaryDirectory(_ label: String = #function) throws -> String {
  let name = "nce-test-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
  let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

public func removeTree(_ path: String) {
  try? FileManager.default.removeItem(atPath: path)
}

/// Writes raw bytes without going through the code under test.
public func writeBytes(_ bytes: [UInt8], to path: String) {
  let created = FileManager.default.createFile(atPath: path, contents: Data(bytes))
  precondition(created, "cannot create test fixture \(path)")
}

/// Every file under `directory`, recursively (relative path -> bytes), hidden temporaries
/// included: two snapshots are equal when a run left every file byte-identical and added none.
public func fileSnapshot(of directory: String) -> [String: Data] {
  var files: [String: Data] = [:]
  let enumerator = FileManager.default.enumerator(atPath: directory)
  while let name = enumerator?.nextObject() as? String {
    var isDirectory: ObjCBool = false
    let path = directory + "/" + name
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
      files[name] = FileManager.default.contents(atPath: path)
    }
  }
  return files
}
