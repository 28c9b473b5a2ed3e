import Foundation

/// Writes a dataset directory: records routed to per-split rolling shards, statistics merged,
/// `dataset.json` written last.
///
/// Shard boundaries depend only on each split's record sequence, and statistics are merged per
/// shard and then over shards in a fixed order, so the same records give the same bytes — also when
/// a build resumes: after a crash, a new writer on the same directory and fingerprint keeps the
/// completed shards (listed in the journal); the caller restarts at ``resumePosition`` and skips the
/// records for which ``isAlreadyWritten(key:)`` is true.
public final class DatasetWriter {
    public let directory: String
    public let sensors: [SensorSchema]
    public let sharding: ShardingOptions
    private let fingerprint: String
    private var journal: BuildJournal
    private var completedKeys: Set<String>
    private var open: [String: OpenShard] = [:]
    private let lock: DirectoryLock
    /// Where shards go once complete (a bucket), or `nil` when `directory` is the dataset.
    private let mirror: (any DatasetMirror)?

    private struct OpenShard {
        var writer: ShardWriter
        var keys: [String] = []
        var stats: [String: [BandStatistics]] = [:]
        /// Plan position of the shard's first record.
        var firstPosition: Int
    }

    /// Called after each shard is completed and journaled (e.g. to report progress).
    public var onShardCompleted: ((ShardInfo) -> Void)?

    /// Opens a dataset directory for writing, resuming from its journal when the fingerprint matches.
    /// A directory that is a symbolic link, or that holds anything but a GeoPairs dataset's files,
    /// is refused before anything in it is touched.
    /// - Parameters:
    ///   - fingerprint: identifies the configuration (e.g. a hash of manifest and inputs); a journal
    ///     with another fingerprint is an error unless `restart` is set.
    ///   - restart: delete any earlier shards, journal and `dataset.json` and start over.
    ///   - mirror: publish the dataset there; `directory` is then only its staging directory, and
    ///     the mirror's journal decides what a rerun keeps.
    public init(directory: String, sensors: [SensorSchema], sharding: ShardingOptions = ShardingOptions(),
                fingerprint: String, restart: Bool = false, mirror: (any DatasetMirror)? = nil) throws {
        self.directory = directory
        self.mirror = mirror
        self.sensors = sensors
        self.sharding = sharding
        self.fingerprint = fingerprint
        let fm = FileManager.default
        let shardDir = (directory as NSString).appendingPathComponent("shards")
        try OutputDirectory.check(directory)
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ShardError(.io, file: directory, message: "cannot create the dataset directory: \(error.localizedDescription)")
        }
        lock = try DirectoryLock(directory: directory)
        let journalPath = (directory as NSString).appendingPathComponent(BuildJournal.fileName)
        if restart {
            try? fm.removeItem(atPath: shardDir)
            try? fm.removeItem(atPath: journalPath)
            try? fm.removeItem(atPath: (directory as NSString).appendingPathComponent("dataset.json"))
            try mirror?.clear()
        }
        do {
            try fm.createDirectory(atPath: shardDir, withIntermediateDirectories: true)
        } catch {
            throw ShardError(.io, file: shardDir, message: "cannot create the shard directory: \(error.localizedDescription)")
        }
        if let mirror, try mirror.hasFinishedDataset() {
            throw ShardError(.outputInUse, file: mirror.location, message: "already holds a finished dataset")
        }
        if fm.fileExists(atPath: (directory as NSString).appendingPathComponent("dataset.json")) {
            throw ShardError(.outputInUse, file: directory, message: "already holds a finished dataset")
        }
        let published = try mirror?.journalLines() ?? []
        if mirror != nil {
            // The mirror's journal is the truth; the staging directory's own is replaced by it.
            if published.isEmpty {
                try? fm.removeItem(atPath: journalPath)
            } else {
                try OutputFile.writeAtomically(Array(published.joined()), to: journalPath)
            }
        }
        let interrupted: BuildJournal?
        do {
            interrupted = try BuildJournal.load(directory: directory)
        } catch let error as ShardError where error.kind == .corrupt {
            // An unreadable journal is still an earlier build's: only a restart may replace it.
            throw ShardError(.outputInUse, file: error.file, message: "holds an interrupted build with an unreadable \(error.message)")
        }
        var journal = interrupted ?? BuildJournal(fingerprint: fingerprint, shards: [], resumePosition: 0)
        if journal.fingerprint != fingerprint {
            throw ShardError(.outputInUse, file: mirror?.location ?? directory,
                             message: "holds an interrupted build of a different manifest or inputs")
        }
        // Keep only completed shards whose files are intact; anything else (partials) goes. A shard
        // listed twice (a mirror's journal rewrite that was interrupted) counts once.
        let before = journal.shards.count
        var listed: Set<String> = []
        journal.shards = try journal.shards.filter { shard in
            guard listed.insert(shard.info.file).inserted else { return false }
            if let mirror { return try mirror.holds(shard.info) }
            let path = (directory as NSString).appendingPathComponent(shard.info.file)
            let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            return size == shard.info.bytes
        }
        // The file on disk now says exactly this (a new build's header, or what survived).
        try journal.rewrite(directory: directory)
        if let mirror, journal.shards.count != before || published.isEmpty {
            try mirror.replaceJournal(try journal.lines())
        }
        let kept = mirror == nil ? Set(journal.shards.map(\.info.file)) : []
        for name in (try? fm.contentsOfDirectory(atPath: shardDir)) ?? [] where !kept.contains("shards/\(name)") {
            try? fm.removeItem(atPath: (shardDir as NSString).appendingPathComponent(name))
        }
        self.journal = journal
        completedKeys = Set(journal.shards.flatMap(\.keys))
    }

    /// True when a record with this key is in a shard completed by an earlier, interrupted run.
    public func isAlreadyWritten(key: String) -> Bool { completedKeys.contains(key) }

    /// Number of records in completed shards from earlier runs.
    public var resumedRecordCount: Int { completedKeys.count }

    /// The plan position to restart from (0 for a new build).
    public var resumePosition: Int { journal.resumePosition }

    /// Bytes written so far (completed shards plus the open ones).
    public var bytesWritten: Int {
        journal.shards.reduce(0) { $0 + $1.info.bytes } + open.values.reduce(0) { $0 + $1.writer.byteCount }
    }

    /// Appends a record to its split's current shard, rolling to a new shard when it is full.
    /// - Parameter position: the record's place in the caller's plan (non-decreasing), used to resume.
    public func append(_ record: EncodedRecord, position: Int = 0) throws {
        let split = record.metadata.split
        guard !split.isEmpty, split.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ShardError(.invalidArgument, file: directory, location: "record \(record.metadata.key)",
                             message: "split name \"\(split)\" must be letters, digits or _")
        }
        if open[split] == nil {
            let number = journal.shards.filter { $0.info.split == split }.count
            let name = String(format: "shards/%@-%05d.%@", split, number, ShardLayout.fileExtension)
            open[split] = OpenShard(writer: try ShardWriter(path: (directory as NSString).appendingPathComponent(name), sensors: sensors),
                                    firstPosition: position)
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
            try closeShard(split, position: position)
        }
    }

    private func closeShard(_ split: String, position: Int) throws {
        guard let current = open.removeValue(forKey: split) else { return }
        var info = try current.writer.finish(split: split)
        info.file = "shards/" + (info.file as NSString).lastPathComponent
        // Records of still-open shards would be lost in a crash: a resume must redo them.
        let line = try journal.append(.init(info: info, keys: current.keys, statistics: current.stats),
                                      resumePosition: open.values.map(\.firstPosition).reduce(position, min), directory: directory)
        if let mirror {
            let local = (directory as NSString).appendingPathComponent(info.file)
            try mirror.publish(shard: local, info: info, journalLine: line, number: journal.shards.count)
            try? FileManager.default.removeItem(atPath: local)
        }
        onShardCompleted?(info)
    }

    /// Closes every shard and writes `dataset.json` (atomically, last); removes the journal.
    public func finish(name: String, grid: GridInfo?, manifest: JSONValue?, inputs: [InputFile]) throws -> DatasetIndex {
        for split in open.keys.sorted() { try closeShard(split, position: Int.max) }
        // A fixed order (split, then shard number) makes the merged statistics reproducible.
        let shards = journal.shards.sorted { ($0.info.split, $0.info.file) < ($1.info.split, $1.info.file) }
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
        let index = DatasetIndex(name: name, grid: grid, sensors: sensors, splits: splits, shards: shards.map(\.info),
                                 statistics: statistics, splitStatistics: splitStatistics, manifest: manifest, inputs: inputs)
        if let mirror {
            try mirror.publishIndex(try index.encoded())
            try? mirror.replaceJournal([])
            try? FileManager.default.removeItem(atPath: directory)
            return index
        }
        try OutputFile.writeAtomically(try index.encoded(), to: (directory as NSString).appendingPathComponent("dataset.json"))
        try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(BuildJournal.fileName))
        return index
    }

    /// Merges per-shard statistics; those of resumed shards come from the journal, a file, so a
    /// mismatch is an error rather than a trap.
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
