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
        do {
            return try JSONDecoder().decode(BuildJournal.self, from: data)
        } catch {
            throw ShardError(.corrupt, file: path, message: "unreadable build journal (use --force to start over): \(error)")
        }
    }

    func save(directory: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try OutputFile.writeAtomically(Array(try e.encode(self)), to: (directory as NSString).appendingPathComponent(Self.fileName))
    }
}
