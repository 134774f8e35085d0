import FileIO
import Foundation

/// Streams a directory of HTK SLF files (one utterance each, as lattice-dev's `lat.slf/`), one
/// lattice at a time in file-name order. Files named `*.lat`, `*.slf`, optionally `.gz`/`.zst`,
/// are lattices; other files (a README) are not read. A directory without lattice files is an
/// `InputError` naming it.
public final class HTKLatticeDirectoryReader {
  public let directory: String
  /// The lattice files, sorted by name.
  public let paths: [String]
  private let symbols: SymbolTable
  private let dialect: HTKLatticeReader.Dialect
  private var position = 0

  public init(directory: String, symbols: SymbolTable, dialect: HTKLatticeReader.Dialect = .automatic) throws {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
      throw InputError("cannot list the directory", file: directory)
    }
    paths = names.filter(Self.isLatticeFileName).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      .map { (directory as NSString).appendingPathComponent($0) }
    if paths.isEmpty { throw InputError("no lattice files (*.lat, *.lat.gz, *.slf, ...)", file: directory) }
    self.directory = directory
    self.symbols = symbols
    self.dialect = dialect
  }

  static func isLatticeFileName(_ name: String) -> Bool {
    let stem = HTKLatticeReader.fileName(ofPath: name)
    return (stem.hasSuffix(".lat") || stem.hasSuffix(".slf")) && stem.count > 4
  }

  /// The next file's lattice and header, nil after the last file.
  public func next() throws -> (lattice: Lattice, header: HTKLatticeHeader)? {
    guard position < paths.count else { return nil }
    position += 1
    return try HTKLatticeReader.read(path: paths[position - 1], symbols: symbols, dialect: dialect)
  }
}
