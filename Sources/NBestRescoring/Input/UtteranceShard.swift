import FileIO
import NCECore

/// `--shard J/N`: job J (1-based) of N keeps the utterances whose index, counted in order of
/// appearance over all inputs from 0, satisfies `index % N == J - 1`. The N shards partition
/// the utterances.
public struct UtteranceShard: Sendable, Equatable {
  /// 1-based job number.
  public let job: Int
  public let count: Int

  public init(job: Int, count: Int) throws {
    guard count >= 1, job >= 1, job <= count else {
      throw InputError("bad shard \(job)/\(count): need 1 <= J <= N")
    }
    self.job = job
    self.count = count
  }

  /// Parses `J/N`.
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let job = Int(parts[0]), let count = Int(parts[1]) else {
      throw InputError("bad value '\(text)' for --shard: expected J/N, e.g. 2/4")
    }
    try self.init(job: job, count: count)
  }

  /// Whether the utterance at 0-based `index` belongs to this shard.
  public func contains(index: Int) -> Bool { index % count == job - 1 }
}
