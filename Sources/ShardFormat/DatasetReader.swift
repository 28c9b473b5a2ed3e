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

    /// Where the dataset lives.
    public let storage: any DatasetStorage
    /// The location as given (a directory or a URL).
    public var directory: String { storage.location }
    public let index: DatasetIndex
    /// One reader per entry of `index.shards`.
    public let shards: [ShardReader]
    private let keys: [String: Location]

    /// Opens a local dataset directory.
    public convenience init(directory: String, limits: ReaderLimits = ReaderLimits()) throws {
        try DatasetLocation.requireLocal(directory)
        try self.init(storage: LocalStorage(directory: directory), limits: limits)
    }

    /// Opens `dataset.json` and the footer index of every shard it lists (16 at a time from
    /// remote storage, where each footer costs a round trip).
    /// - Throws: ``ShardError`` naming the shard when one is missing, damaged, or disagrees with the index.
    public init(storage: any DatasetStorage, limits: ReaderLimits = ReaderLimits()) throws {
        self.storage = storage
        let index = try DatasetIndex.load(storage: storage, limits: limits)
        self.index = index
        let inputs = index.inputs.map(\.path)
        let opened = ConcurrentMap.run(count: index.shards.count, width: storage.isRemote ? 16 : 1) { s -> Result<ShardReader, Error> in
            Result {
                let info = index.shards[s]
                let reader = try ShardReader(source: try storage.byteSource(for: info), limits: limits, inputs: inputs)
                guard reader.recordCount == info.records else {
                    throw ShardError(.corrupt, file: info.file, message: "holds \(reader.recordCount) records, dataset.json says \(info.records)")
                }
                try Self.checkFrames(of: reader, against: index, file: info.file)
                return reader
            }
        }
        var shards: [ShardReader] = []
        var keys: [String: Location] = [:]
        for (s, result) in opened.enumerated() {
            let reader = try result.get()
            for (r, e) in reader.entries.enumerated() {
                if let earlier = keys.updateValue(Location(shard: s, record: r), forKey: e.key) {
                    throw ShardError(.corrupt, file: index.shards[s].file, location: "record \(r) (\(e.key))",
                                     message: "the key is also record \(earlier.record) of \(index.shards[earlier.shard].file)")
                }
            }
            shards.append(reader)
        }
        self.shards = shards
        self.keys = keys
    }

    /// Every frame of a shard must have its sensor's schema shape and dtype (masks: u8 1×H×W,
    /// checked by the footer parser), so that consumers can size buffers from `dataset.json`.
    static func checkFrames(of reader: ShardReader, against index: DatasetIndex, file: String) throws {
        guard reader.version == index.formatVersion else {
            throw ShardError(.corrupt, file: file, message: "is format \(reader.version), dataset.json format \(index.formatVersion)")
        }
        let schemas = try reader.sensors.enumerated().map { i, name in
            guard let schema = index.sensor(name) else {
                throw ShardError(.corrupt, file: file, message: "sensor \(name) of the shard is not in dataset.json")
            }
            guard reader.version < 2 || reader.bands[i] == schema.bands else {
                throw ShardError(.corrupt, file: file, message: "sensor \(name) has bands \(reader.bands[i]), dataset.json says \(schema.bands)")
            }
            return schema
        }
        for (r, e) in reader.entries.enumerated() {
            for f in e.frames where f.kind == .data {
                let schema = schemas[f.sensorIndex]
                guard [f.channels, f.height, f.width] == schema.shape, f.dtype == schema.dtype else {
                    throw ShardError(.corrupt, file: file, location: "record \(r) (\(e.key))",
                                     message: "\(schema.name) frame is \(f.dtype) \(f.channels)×\(f.height)×\(f.width), dataset.json says \(schema.dtype) \(schema.shape)")
                }
            }
        }
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
