import FileIO
import Foundation
import NCECore
import TestSupport
import Testing

@testable import NBestRescoring

/// Fuzz tests of the lattice readers: random mutations of valid files end in a consistent
/// lattice or an `InputError` naming the file.
@Suite struct FuzzLatticeReaderTests {
  /// A CompactLattice archive, then a Lattice one, with omitted weights and transition ids.
  static let kaldi = Array((KaldiLatticeIOTests.compact + KaldiLatticeIOTests.plain).utf8)

  /// The structural invariants every accepted lattice must satisfy.
  static func checkInvariants(_ lattice: Lattice, _ what: String) {
    #expect(lattice.isEmpty ? lattice.start == -1 : Int(lattice.start) < lattice.stateCount, "\(what)")
    for arc in lattice.arcs {
      #expect(Int(arc.target) < lattice.stateCount && arc.word >= 0, "\(what)")
      #expect(!arc.weight.graph.isNaN && !arc.weight.acoustic.isNaN, "\(what)")
      #expect(Int(arc.alignment.upperBound) <= lattice.transitionIDs.count, "\(what)")
    }
    for final in lattice.finals.compactMap({ $0 }) {
      #expect(!final.weight.graph.isNaN && !final.weight.acoustic.isNaN, "\(what)")
    }
  }

  @Test func kaldiArchiveMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 1401)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Self.kaldi)
      let path = workspace.write(bytes, name: "lat.txt")
      tally.run("round \(round): \(what)", location: path) {
        let lattices = try KaldiLatticeReader(rspecifier: "ark,t:" + path).readAll()
        for lattice in lattices {
          Self.checkInvariants(lattice, "round \(round): \(what)")
          // Graph operations never crash on what the reader accepts: they refuse cycles.
          _ = LatticeTopology.connected(lattice)
          do { _ = try LatticeBestPath.find(in: lattice, lmWeight: 10) } catch let error as InputError {
            #expect(error.message.contains("cycle"), "round \(round): \(what): \(error)")
          }
        }
        // What is written reads back to the same text.
        let written = KaldiLatticeWriter.text(of: lattices)
        let again = workspace.write(Array(written.utf8), name: "again.txt")
        #expect(
          KaldiLatticeWriter.text(of: try KaldiLatticeReader(rspecifier: again).readAll()) == written,
          "round \(round): \(what)")
      }
    }
    #expect(tally.accepted > 30 && tally.refused > 100, "\(tally)")
  }

  @Test(arguments: [("htk", 1402 as UInt64), ("pocketSphinx", 1403)])
  func slfMutations(sample: String, seed: UInt64) throws {
    let text = sample == "htk" ? HTKLatticeIOTests.htk : HTKLatticeIOTests.pocketSphinx
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: seed)
    var tally = FuzzTally()
    for round in 0..<300 {
      let (bytes, what) = mutator.mutate(Array(text.utf8))
      let path = workspace.write(bytes, name: "u.lat")
      tally.run("round \(round): \(what)", location: path) {
        let (lattice, _) = try HTKLatticeReader.read(path: path, symbols: HTKLatticeIOTests.symbols)
        Self.checkInvariants(lattice, "round \(round): \(what)")
        _ = LatticeTopology.connected(lattice)
        do { _ = try LatticeBestPath.find(in: lattice, lmWeight: 10) } catch let error as InputError {
          #expect(error.message.contains("cycle"), "round \(round): \(what): \(error)")
        }
      }
    }
    #expect(tally.accepted > 20 && tally.refused > 100, "\(tally)")
  }

  @Test func symbolTableMutations() throws {
    let workspace = try FuzzWorkspace()
    var mutator = FileMutator(seed: 1404)
    var tally = FuzzTally()
    let words = Array("<eps> 0\na 1\nb 2\nc 3\ncafé 4\n".utf8)
    for round in 0..<250 {
      let (bytes, what) = mutator.mutate(words)
      let path = workspace.write(bytes, name: "words.txt")
      tally.run("round \(round): \(what)", location: path) {
        let table = try SymbolTable(path: path)
        #expect(table.count == FuzzReaderTests.lineCount(bytes), "round \(round): \(what)")
      }
    }
    #expect(tally.accepted > 20 && tally.refused > 100, "\(tally)")
  }
}
