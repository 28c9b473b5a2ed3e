import Foundation

/// Writes a dataset directory: records routed to per-split rolling shards, statistics merged,
/// `dataset.json` written last.
///
/// Shard boundaries depend only on each split's record sequence, and statistics are merged per
/// shard and then over shards in a fixed order, so the same records give the same bytes. The
/// writer knows nothing of builds: a caller that resumes after a crash (DatasetBuilder's
/// `ResumableDatasetWriter`) records each ``CompletedShard`` from ``onShardCompleted`` and hands
/// them to the next writer on the same directory, which counts them and numbers its shards after
/// them.
public final class DatasetWriter {
    public let directory: String
    public let sensors: [SensorSchema]
    public let sharding: ShardingOptions
    private let output: ClaimedOutput
    /// Shards completed by earlier runs and by this one, in completion order.
    private var completed: [CompletedShard]
    private var open: [String: OpenShard] = [:]

    private struct OpenShard {
        var writer: ShardWriter
        var keys: [String] = []
        var stats: [String: [BandStatistics]] = [:]
    }

    /// Called after each shard's file is complete and before the writer goes on, with the shard
    /// (e.g. to journal or upload it). An error it throws fails the append or finish that closed
    /// the shard.
    public var onShardCompleted: ((CompletedShard) throws -> Void)?

    /// Opens a new dataset directory (see ``ClaimedOutput``; a finished dataset is refused).
    public convenience init(directory: String, sensors: [SensorSchema], sharding: ShardingOptions = ShardingOptions()) throws {
        try self.init(output: try ClaimedOutput(directory: directory), sensors: sensors, sharding: sharding)
    }

    /// Writes into a claimed directory.
    /// - Parameter completed: shards an earlier run of the same build completed (their files are
    ///   in `shards/` or were handed elsewhere). They count in the index; every other file in
    ///   `shards/`, such as a crashed run's partial shards, is deleted.
    public init(output: ClaimedOutput, sensors: [SensorSchema], sharding: ShardingOptions = ShardingOptions(),
                completed: [CompletedShard] = []) throws {
        self.output = output
        directory = output.directory
        self.sensors = sensors
        self.sharding = sharding
        self.completed = completed
        let fm = FileManager.default
        let shardDir = output.path("shards")
        do {
            try fm.createDirectory(atPath: shardDir, withIntermediateDirectories: true)
        } catch {
            throw ShardError(.io, file: shardDir, message: "cannot create the shard directory: \(error.localizedDescription)")
        }
        let kept = Set(completed.map(\.info.file))
        for name in (try? fm.contentsOfDirectory(atPath: shardDir)) ?? [] where !kept.contains("shards/\(name)") {
            try? fm.removeItem(atPath: (shardDir as NSString).appendingPathComponent(name))
        }
    }

    /// Bytes written so far (completed shards plus the open ones).
    public var bytesWritten: Int {
        completed.reduce(0) { $0 + $1.info.bytes } + open.values.reduce(0) { $0 + $1.writer.byteCount }
    }

    /// Appends a record to its split's current shard, closing the shard when it is full.
    public func append(_ record: EncodedRecord) throws {
        let split = record.metadata.split
        guard !split.isEmpty, split.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ShardError(.invalidArgument, file: directory, location: "record \(record.metadata.key)",
                             message: "split name \"\(split)\" must be letters, digits or _")
        }
        if open[split] == nil {
            let number = completed.filter { $0.info.split == split }.count
            let name = String(format: "shards/%@-%05d.%@", split, number, ShardLayout.fileExtension)
            open[split] = OpenShard(writer: try ShardWriter(path: output.path(name), sensors: sensors))
        }
        try open[split]!.writer.append(record)
        open[split]!.keys.append(record.metadata.key)
        for (sensor, bands) in record.statistics {
            var merged = open[split]!.stats[sensor] ?? bands.map { BandStatistics(histogramRange: $0.histogramRange[0]...$0.histogramRange[1], bins: $0.histogram.count) }
            for b in bands.indices { merged[b].merge(bands[b]) }
            open[split]!.stats[sensor] = merged
        }
        let w = open[split]!.writer
        if w.byteCount >= sharding.targetBytes || sharding.maxRecords.map({ w.recordCount >= $0 }) == true {
            try closeShard(split)
        }
    }

    private func closeShard(_ split: String) throws {
        guard let current = open.removeValue(forKey: split) else { return }
        var info = try current.writer.finish(split: split)
        info.file = "shards/" + (info.file as NSString).lastPathComponent
        let shard = CompletedShard(info: info, keys: current.keys, statistics: current.stats)
        completed.append(shard)
        try onShardCompleted?(shard)
    }

    /// Closes every shard (splits in name order) and returns the dataset's index, writing nothing
    /// more: for callers that publish `dataset.json` elsewhere.
    public func closeAll(name: String, grid: GridInfo?, manifest: JSONValue?, inputs: [InputFile]) throws -> DatasetIndex {
        for split in open.keys.sorted() { try closeShard(split) }
        // A fixed order (split, then shard number) makes the merged statistics reproducible.
        let shards = completed.sorted { ($0.info.split, $0.info.file) < ($1.info.split, $1.info.file) }
        var statistics: [String: [BandStatistics]] = [:]
        var splitStatistics: [String: [String: [BandStatistics]]] = [:]
        var splits: [String: Int] = [:]
        for shard in shards {
            splits[shard.info.split, default: 0] += shard.info.records
            for (sensor, bands) in shard.statistics {
                try Self.merge(bands, into: &statistics[sensor], sensor: sensor, directory: directory)
                try Self.merge(bands, into: &splitStatistics[shard.info.split, default: [:]][sensor], sensor: sensor, directory: directory)
            }
        }
        return DatasetIndex(name: name, grid: grid, sensors: sensors, splits: splits, shards: shards.map(\.info),
                            statistics: statistics, splitStatistics: splitStatistics, manifest: manifest, inputs: inputs)
    }

    /// Closes every shard and writes `dataset.json` (atomically, last): the dataset is finished.
    public func finish(name: String, grid: GridInfo?, manifest: JSONValue?, inputs: [InputFile]) throws -> DatasetIndex {
        let index = try closeAll(name: name, grid: grid, manifest: manifest, inputs: inputs)
        try OutputFile.writeAtomically(try index.encoded(), to: output.path("dataset.json"))
        return index
    }

    /// Merges per-shard statistics; those of an earlier run's shards come from a file (a
    /// journal), so a mismatch is an error rather than a trap.
    private static func merge(_ bands: [BandStatistics], into target: inout [BandStatistics]?, sensor: String, directory: String) throws {
        guard let current = target else { target = bands; return }
        guard current.count == bands.count,
              zip(current, bands).allSatisfy({ $0.isMergeable(with: $1) && Checked.sum(of: [$0.count, $1.count]) != nil }) else {
            throw ShardError(.corrupt, file: directory, location: "sensor \(sensor)",
                             message: "statistics of a resumed shard do not match this build's; start over")
        }
        for b in bands.indices { target![b].merge(bands[b]) }
    }
}
