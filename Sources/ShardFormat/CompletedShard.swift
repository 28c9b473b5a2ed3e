/// A shard the writer has finished: its file and counts, the keys of its records in order, and
/// the statistics of its records per sensor and band.
///
/// What a resumable build journals after each shard, and hands back to a new ``DatasetWriter``
/// so that the shard counts in the index without being read again.
public struct CompletedShard: Codable, Equatable, Sendable {
    public var info: ShardInfo
    public var keys: [String]
    public var statistics: [String: [BandStatistics]]

    public init(info: ShardInfo, keys: [String], statistics: [String: [BandStatistics]]) {
        self.info = info
        self.keys = keys
        self.statistics = statistics
    }
}
