import Foundation
import ShardFormat

/// A build's output that survives crashes: a ``DatasetWriter`` plus the journal of its completed
/// shards, so that a rerun of the same build keeps them and redoes only the rest.
///
/// After a crash, a new writer on the same directory and fingerprint keeps the completed shards
/// listed in the journal (those whose files are whole); the caller restarts its plan at
/// ``resumePosition`` and skips the records for which ``isAlreadyWritten(key:)`` is true. The
/// result is byte-identical to an uninterrupted build, since shard boundaries depend only on each
/// split's record sequence. With a mirror (a bucket), the directory only stages shards: each one
/// is published as it completes, and the mirror's journal decides what a rerun keeps.
public final class ResumableDatasetWriter {
    public let directory: String
    private let output: ClaimedOutput
    private let writer: DatasetWriter
    private var journal: BuildJournal
    private let completedKeys: Set<String>
    private let mirror: (any DatasetMirror)?
    /// Per split with an open shard: the plan position of its first record. A crash loses the
    /// open shards, so a resume must restart at the earliest of them.
    private var firstPositions: [String: Int] = [:]
    /// The position of the record being appended (`Int.max` while finishing).
    private var currentPosition = 0

    /// Called after each shard is completed and journaled (e.g. to report progress).
    public var onShardCompleted: ((ShardInfo) -> Void)?

    /// Opens a dataset directory for writing, resuming from its journal when the fingerprint matches.
    /// A directory that is a symbolic link, or that holds anything but a GeoPairs dataset's files,
    /// is refused before anything in it is touched.
    /// - Parameters:
    ///   - fingerprint: identifies the configuration (e.g. a hash of manifest and inputs); a journal
    ///     with another fingerprint is an error unless `restart` is set.
    ///   - restart: delete any earlier shards, journal and `dataset.json` and start over.
    ///   - mirror: publish the dataset there; `directory` is then only its staging directory.
    public init(directory: String, sensors: [SensorSchema], sharding: ShardingOptions = ShardingOptions(),
                fingerprint: String, restart: Bool = false, mirror: (any DatasetMirror)? = nil) throws {
        self.directory = directory
        self.mirror = mirror
        let output = try ClaimedOutput(directory: directory, discardingEarlierDataset: restart)
        self.output = output
        if restart { try mirror?.clear() }
        if let mirror, try mirror.hasFinishedDataset() {
            throw ShardError(.outputInUse, file: mirror.location, message: "already holds a finished dataset")
        }
        let fm = FileManager.default
        let journalPath = BuildJournal.path(in: directory)
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
            let size = (try? fm.attributesOfItem(atPath: output.path(shard.info.file))[.size] as? Int) ?? -1
            return size == shard.info.bytes
        }
        // The file on disk now says exactly this (a new build's header, or what survived).
        try journal.rewrite(directory: directory)
        if let mirror, journal.shards.count != before || published.isEmpty {
            try mirror.replaceJournal(try journal.lines())
        }
        writer = try DatasetWriter(output: output, sensors: sensors, sharding: sharding, completed: journal.shards)
        self.journal = journal
        completedKeys = Set(journal.shards.flatMap(\.keys))
        writer.onShardCompleted = { [unowned self] shard in try self.record(shard) }
    }

    /// True when a record with this key is in a shard completed by an earlier, interrupted run.
    public func isAlreadyWritten(key: String) -> Bool { completedKeys.contains(key) }

    /// Number of records in completed shards from earlier runs.
    public var resumedRecordCount: Int { completedKeys.count }

    /// The plan position to restart from (0 for a new build).
    public var resumePosition: Int { journal.resumePosition }

    /// Bytes written so far (completed shards plus the open ones).
    public var bytesWritten: Int { writer.bytesWritten }

    /// Appends a record to its split's current shard.
    /// - Parameter position: the record's place in the caller's plan (non-decreasing), used to resume.
    public func append(_ record: EncodedRecord, position: Int = 0) throws {
        currentPosition = position
        if firstPositions[record.metadata.split] == nil { firstPositions[record.metadata.split] = position }
        try writer.append(record)
    }

    /// Journals a shard the writer completed, and publishes it to the mirror.
    private func record(_ shard: CompletedShard) throws {
        firstPositions[shard.info.split] = nil
        // Records of still-open shards would be lost in a crash: a resume must redo them.
        let line = try journal.append(shard, resumePosition: firstPositions.values.reduce(currentPosition, min), directory: directory)
        if let mirror {
            let local = output.path(shard.info.file)
            try mirror.publish(shard: local, info: shard.info, journalLine: line, number: journal.shards.count)
            try? FileManager.default.removeItem(atPath: local)
        }
        onShardCompleted?(shard.info)
    }

    /// Closes every shard and writes `dataset.json` (atomically, last, into the directory or the
    /// mirror); removes the journal.
    public func finish(name: String, grid: GridInfo?, manifest: JSONValue?, inputs: [InputFile]) throws -> DatasetIndex {
        currentPosition = Int.max
        guard let mirror else {
            let index = try writer.finish(name: name, grid: grid, manifest: manifest, inputs: inputs)
            try? FileManager.default.removeItem(atPath: BuildJournal.path(in: directory))
            return index
        }
        let index = try writer.closeAll(name: name, grid: grid, manifest: manifest, inputs: inputs)
        try mirror.publishIndex(try index.encoded())
        try? mirror.replaceJournal([])
        try? FileManager.default.removeItem(atPath: directory)
        return index
    }
}
