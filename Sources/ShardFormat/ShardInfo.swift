/// One shard's entry in `dataset.json`.
public struct ShardInfo: Codable, Sendable, Equatable {
    /// Path relative to the dataset directory, e.g. `shards/train-00000.gpshard`.
    public var file: String
    public var split: String
    public var records: Int
    /// File size in bytes.
    public var bytes: Int
    /// SHA-256 of the whole file, lowercase hex.
    public var sha256: String
    /// Per sensor: uncompressed and compressed bytes of its data and mask frames.
    public var sensorBytes: [String: SensorByteCounts]

    public init(file: String, split: String, records: Int, bytes: Int, sha256: String, sensorBytes: [String: SensorByteCounts]) {
        self.file = file
        self.split = split
        self.records = records
        self.bytes = bytes
        self.sha256 = sha256
        self.sensorBytes = sensorBytes
    }
}

/// Raw and compressed byte totals of one sensor's frames.
public struct SensorByteCounts: Codable, Sendable, Equatable {
    public var raw: Int
    public var compressed: Int

    public init(raw: Int = 0, compressed: Int = 0) {
        self.raw = raw
        self.compressed = compressed
    }

    /// raw / compressed.
    public var ratio: Double { compressed > 0 ? Double(raw) / Double(compressed) : 0 }
}
