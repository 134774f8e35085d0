import FileIO
import NBestRescoring
import NCECore
import Testing

@Suite struct UtteranceShardTests {
  @Test(arguments: [1, 2, 3, 7])
  func shardsPartitionTheUtterances(count: Int) throws {
    let shards = try (1...count).map { try UtteranceShard(parsing: "\($0)/\(count)") }
    for index in 0..<50 {
      #expect(shards.filter { $0.contains(index: index) }.count == 1)
      #expect(shards[index % count].contains(index: index))
    }
  }

  @Test func badSpecificationsAreErrors() {
    for text in ["0/3", "4/3", "1/0", "2", "a/b", "1/2/3"] {
      #expect(throws: InputError.self) { try UtteranceShard(parsing: text) }
    }
  }
}
