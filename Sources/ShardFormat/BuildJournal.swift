import Foundation

/// The writer's crash-safe progress: the shards completed so far, with their keys and statistics.
/// Rewritten atomically after each completed shard as `.geopairs-journal.json` in the dataset
/// directory and removed once `dataset.json` is written. A build that finds it resumes after the
/// last completed shard of each split.
struct BuildJournal: Codable, Equatable {
    struct CompletedShard: Codable, Equatable {
        var info: ShardInfo
        var keys: [String]
        var statistics: [String: [BandStatistics]]
    }

    /// Identifies the build configuration; a journal from another configuration is not resumed.
    var fingerprint: String
    var shards: [CompletedShard]
    /// The first plan position whose records are not all in completed shards: a resumed build
    /// restarts there and skips the keys already written.
    var resumePosition: Int

    static let fileName = ".geopairs-journal.json"

    static func load(directory: String) throws -> BuildJournal? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let journal: BuildJournal
        do {
            journal = try JSONDecoder().decode(BuildJournal.self, from: data)
        } catch {
            throw ShardError(.corrupt, file: path, message: "unreadable build journal (use --force to start over): \(error)")
        }
        if let problem = journal.problem {
            throw ShardError(.corrupt, file: path, message: "build journal: \(problem) (use --force to start over)")
        }
        return journal
    }

    /// The first field a resume cannot trust, or `nil`.
    var problem: String? {
        guard resumePosition >= 0 else { return "resumePosition \(resumePosition) is negative" }
        // The writer adds these up (records per split, bytes written).
        guard Checked.sum(of: shards.map(\.info.records)) != nil, Checked.sum(of: shards.map(\.info.bytes)) != nil else {
            return "record or byte counts are negative or overflow"
        }
        for (i, shard) in shards.enumerated() {
            let info = shard.info
            if let problem = DatasetIndex.shardPathProblem(info.file) ?? (info.file.hasPrefix("shards/") ? nil : "not under shards/") {
                return "shards[\(i)].info.file: \(problem)"
            }
            guard shard.keys.count == info.records else { return "shards[\(i)]: \(info.records) records, \(shard.keys.count) keys" }
            for (sensor, bands) in shard.statistics {
                for (b, stats) in bands.enumerated() {
                    if let problem = stats.problem { return "shards[\(i)].statistics.\(sensor)[\(b)]: \(problem)" }
                }
            }
        }
        return nil
    }

    func save(directory: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try OutputFile.writeAtomically(Array(try e.encode(self)), to: (directory as NSString).appendingPathComponent(Self.fileName))
    }
}
