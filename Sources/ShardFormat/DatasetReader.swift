import Foundation

/// Reads a dataset directory: `dataset.json` plus random access to every shard's records.
/// Immutable after opening; safe to share between threads (each thread brings its own ``ZstdCodec``).
public final class DatasetReader: Sendable {
    /// Where a record lies: shard number (in `index.shards`) and record number within the shard.
    public struct Location: Sendable, Hashable, Codable {
        public var shard: Int
        public var record: Int
        public init(shard: Int, record: Int) {
            self.shard = shard
            self.record = record
        }
    }

    public let directory: String
    public let index: DatasetIndex
    /// One reader per entry of `index.shards`.
    public let shards: [ShardReader]
    private let keys: [String: Location]

    /// Opens `dataset.json` and the footer index of every shard it lists.
    /// - Throws: ``ShardError`` naming the shard when one is missing, damaged, or disagrees with the index.
    public init(directory: String, limits: ReaderLimits = ReaderLimits()) throws {
        self.directory = directory
        index = try DatasetIndex.load(directory: directory)
        var shards: [ShardReader] = []
        var keys: [String: Location] = [:]
        for (s, info) in index.shards.enumerated() {
            let reader = try ShardReader(path: (directory as NSString).appendingPathComponent(info.file), limits: limits)
            guard reader.recordCount == info.records else {
                throw ShardError(.corrupt, file: info.file, message: "holds \(reader.recordCount) records, dataset.json says \(info.records)")
            }
            for (r, e) in reader.entries.enumerated() { keys[e.key] = Location(shard: s, record: r) }
            shards.append(reader)
        }
        self.shards = shards
        self.keys = keys
    }

    /// Every record of a split (all splits when `nil`), in shard order.
    public func locations(split: String? = nil) -> [Location] {
        index.shards.enumerated().flatMap { s, info -> [Location] in
            guard split == nil || info.split == split else { return [] }
            return (0..<info.records).map { Location(shard: s, record: $0) }
        }
    }

    /// The location of a record by key.
    public func locate(key: String) -> Location? { keys[key] }

    /// The key of a record.
    public func key(at location: Location) -> String { shards[location.shard].entries[location.record].key }

    /// A record's metadata (its checked JSON header).
    public func metadata(at location: Location) throws -> RecordMetadata {
        try shards[location.shard].metadata(at: location.record)
    }

    /// One sensor's array (or mask) of a record, raw little-endian C×H×W bytes.
    public func readArray(at location: Location, sensor: String, kind: FrameKind = .data, codec: ZstdCodec) throws -> [UInt8] {
        try shards[location.shard].readArray(record: location.record, sensor: sensor, kind: kind, codec: codec)
    }
}
