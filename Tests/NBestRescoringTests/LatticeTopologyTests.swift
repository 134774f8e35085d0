import FileIO
import NCECore
import Testing

@testable import NBestRescoring

/// Small hand-made and seeded random lattices: topological order, connect, cycles, best path.
@Suite struct LatticeTopologyTests {
  /// A compact lattice from `(source, target, word, graph, acoustic)` arcs and final states.
  static func lattice(
    _ arcs: [(Int32, Int32, Int32, Double, Double)], finals: [Int32: LatticeWeight], start: Int32 = 0,
    states: Int32? = nil
  ) -> Lattice {
    var builder = LatticeBuilder(key: "test", kind: .compact)
    builder.addState(max(start, states.map { $0 - 1 } ?? 0))
    for (source, target, word, graph, acoustic) in arcs {
      builder.addArc(
        from: source, LatticeArc(target: target, word: word, weight: LatticeWeight(graph: graph, acoustic: acoustic)))
    }
    for (state, weight) in finals { builder.setFinal(state, LatticeFinal(weight: weight)) }
    return builder.build(start: start)
  }

  @Test func unsortedLatticeIsSortedKeepingItsPaths() throws {
    // 3 -> 1 -> 0 -> 2 written backwards, with a shortcut 3 -> 0.
    let lattice = Self.lattice(
      [(3, 1, 1, 1, 0), (1, 0, 2, 1, 0), (0, 2, 3, 1, 0), (3, 0, 4, 5, 0)], finals: [2: .one], start: 3)
    #expect(!LatticeTopology.isTopologicallySorted(lattice))
    let order = try LatticeTopology.topologicalOrder(lattice)
    #expect(order == [3, 1, 0, 2])
    let sorted = try LatticeTopology.topologicallySorted(lattice)
    #expect(
      LatticeTopology.isTopologicallySorted(sorted) && sorted.start == 0
        && sorted.finals[3] == LatticeFinal(weight: .one))
    let before = try #require(try LatticeBestPath.find(in: lattice, lmWeight: 1))
    let after = try #require(try LatticeBestPath.find(in: sorted, lmWeight: 1))
    #expect(before.words == [1, 2, 3] && after.words == before.words && after.cost == before.cost)
  }

  @Test func connectRemovesUnreachableAndDeadStates() {
    // 0 -> 1 -> 3 (final); 1 -> 2 (dead end); 4 -> 3 (unreachable); 5 isolated.
    let lattice = Self.lattice(
      [(0, 1, 1, 1, 1), (1, 3, 2, 1, 1), (1, 2, 3, 1, 1), (4, 3, 4, 1, 1)], finals: [3: .one], states: 6)
    let (connected, removedStates, removedArcs) = LatticeTopology.connected(lattice)
    #expect(removedStates == 3 && removedArcs == 2)
    #expect(connected.stateCount == 3 && connected.arcs.map(\.word) == [1, 2] && connected.finals[2] != nil)
    #expect(connected.arcs.map(\.target) == [1, 2])
  }

  @Test func latticeWithoutCompletePathConnectsToEmpty() throws {
    let lattice = Self.lattice([(0, 1, 1, 1, 1)], finals: [:])
    let (connected, removed, _) = LatticeTopology.connected(lattice)
    #expect(connected.isEmpty && connected.start == -1 && removed == 2)
    #expect(try LatticeBestPath.find(in: lattice, lmWeight: 1) == nil)
  }

  @Test func epsilonCycleIsRefusedWithItsStates() {
    let lattice = Self.lattice([(0, 1, 5, 1, 1), (1, 2, 0, 0, 1), (2, 1, 0, 0, 1), (2, 3, 6, 1, 1)], finals: [3: .one])
    let cycle = LatticeTopology.findCycle(lattice)
    #expect(cycle?.epsilonOnly == true && Set(cycle!.states) == [1, 2] && cycle!.states.count == 3)
    #expect {
      _ = try LatticeBestPath.find(in: lattice, lmWeight: 10)
    } throws: { error in
      (error as? InputError)?.message.contains("epsilon cycle through states") == true
    }
    // Connect does not loop on cycles.
    #expect(LatticeTopology.connected(lattice).lattice.stateCount == 4)
  }

  @Test func wordCycleIsRefusedToo() {
    let lattice = Self.lattice([(0, 1, 5, 1, 1), (1, 0, 7, 1, 1), (1, 2, 6, 1, 1)], finals: [2: .one])
    #expect(LatticeTopology.findCycle(lattice)?.epsilonOnly == false)
    #expect {
      _ = try LatticeTopology.topologicalOrder(lattice)
    } throws: { error in
      let message = (error as? InputError)?.message ?? ""
      return message.contains("cycle through states") && !message.contains("epsilon")
    }
    #expect(LatticeTopology.findCycle(Self.lattice([(0, 1, 5, 1, 1)], finals: [1: .one])) == nil)
  }

  /// Every complete path's (cost, words) by depth-first enumeration.
  static func allPaths(_ lattice: Lattice, lmWeight: Double, wip: Double) -> [(cost: Double, words: [Int32])] {
    var result: [(Double, [Int32])] = []
    func visit(_ state: Int, _ cost: Double, _ words: [Int32]) {
      if let final = lattice.finals[state] { result.append((cost + final.weight.cost(lmWeight: lmWeight), words)) }
      for arc in lattice.arcs(from: state) {
        let step = arc.weight.cost(lmWeight: lmWeight) + (arc.word != 0 ? wip : 0)
        visit(Int(arc.target), cost + step, arc.word != 0 ? words + [arc.word] : words)
      }
    }
    visit(Int(lattice.start), 0, [])
    return result
  }

  /// A random DAG: states shuffled so it is not sorted, some epsilon arcs, parallel arcs, several finals.
  static func randomLattice(_ generator: inout SeededGenerator) -> Lattice {
    let count = 2 + generator.nextInt(below: 9)
    var permutation = Array(0..<Int32(count))
    permutation[1...].shuffle(using: &generator)
    var arcs: [(Int32, Int32, Int32, Double, Double)] = []
    for source in 0..<count - 1 {
      for _ in 0..<1 + generator.nextInt(below: 3) {
        let target = source + 1 + generator.nextInt(below: count - source - 1)
        let word = Int32(generator.nextInt(below: 4))
        arcs.append(
          (
            permutation[source], permutation[target], word, generator.nextUniformDouble() * 10 - 2,
            generator.nextUniformDouble() * 100
          ))
      }
    }
    var finals: [Int32: LatticeWeight] = [permutation[count - 1]: LatticeWeight(graph: 1, acoustic: 3)]
    for state in 0..<count - 1 where generator.nextInt(below: 4) == 0 {
      finals[permutation[state]] = LatticeWeight(
        graph: generator.nextUniformDouble() * 5, acoustic: generator.nextUniformDouble() * 20)
    }
    return lattice(arcs, finals: finals, start: 0)
  }

  @Test(arguments: [(10.0, 0.0), (9.5, 0.5), (1.0, -1.0), (17.0, 2.0)])
  func bestPathEqualsExhaustiveEnumeration(lmWeight: Double, wip: Double) throws {
    var generator = SeededGenerator(seed: 1400 + UInt64(lmWeight * 10))
    for round in 0..<200 {
      let lattice = Self.randomLattice(&generator)
      let paths = Self.allPaths(lattice, lmWeight: lmWeight, wip: wip)
      let found = try LatticeBestPath.find(in: lattice, lmWeight: lmWeight, wordInsertionPenalty: wip)
      guard let minimum = paths.map(\.cost).min() else {
        #expect(found == nil, "round \(round)")
        continue
      }
      let best = try #require(found, "round \(round)")
      #expect(abs(best.cost - minimum) <= 1e-9 * max(1, abs(minimum)), "round \(round)")
      // The reported words and weight are those of a path with that cost.
      let recomputed = best.weight.cost(lmWeight: lmWeight) + wip * Double(best.words.count)
      #expect(abs(recomputed - best.cost) <= 1e-9 * max(1, abs(minimum)), "round \(round)")
      #expect(paths.contains { abs($0.cost - best.cost) <= 1e-9 * max(1, abs(minimum)) && $0.words == best.words })
      var state = lattice.start
      for index in best.arcs {
        #expect(lattice.arcIndices(from: Int(state)).contains(index))
        state = lattice.arcs[index].target
      }
      #expect(state == best.finalState)
    }
  }

  /// One `LatticeBestPath.Search` serving many settings and graph costs in turn (buffers reused,
  /// costs replaced) finds what a fresh search of the lattice with those costs finds, and a best
  /// path by exhaustive enumeration.
  @Test func reusedSearchEqualsFreshSearches() throws {
    var generator = SeededGenerator(seed: 1414)
    let settings = [(10.0, 0.0), (1.0, -1.0), (9.5, 0.5), (17.0, 2.0), (10.0, 0.0)]
    for round in 0..<200 {
      let lattice = Self.randomLattice(&generator)
      var search = try LatticeBestPath.Search(lattice)
      for costRound in 0..<3 {
        var current = lattice
        if costRound > 0 {
          let arcs = lattice.arcs.map { _ in generator.nextUniformDouble() * 10 - 2 }
          let finals = lattice.finals.map { _ in generator.nextUniformDouble() * 5 }
          search.setGraphCosts(arcs: arcs, finals: finals)
          current = UtteranceContext.reweighted(lattice, graphCosts: (arcs, finals))
        }
        for (lmWeight, wip) in settings {
          let found = search.find(lmWeight: lmWeight, wordInsertionPenalty: wip)
          let fresh = try LatticeBestPath.find(in: current, lmWeight: lmWeight, wordInsertionPenalty: wip)
          #expect(found == fresh, "round \(round), costs \(costRound), setting \(lmWeight) \(wip)")
          let minimum = Self.allPaths(current, lmWeight: lmWeight, wip: wip).map(\.cost).min()
          #expect((found == nil) == (minimum == nil), "round \(round)")
          if let found, let minimum {
            #expect(abs(found.cost - minimum) <= 1e-9 * max(1, abs(minimum)), "round \(round)")
          }
        }
      }
    }
  }
}
