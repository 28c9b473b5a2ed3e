/// When a split's current shard is closed and the next one started.
public struct ShardingOptions: Sendable, Equatable, Codable {
    /// Close a shard once it reaches this many bytes (default 256 MB, as the manifest's `targetMB`).
    public var targetBytes: Int
    /// Close a shard once it holds this many records (`nil`: no limit).
    public var maxRecords: Int?

    public init(targetBytes: Int = 256_000_000, maxRecords: Int? = nil) {
        self.targetBytes = targetBytes
        self.maxRecords = maxRecords
    }
}
