import Foundation
import ShardFormat
#if canImport(Glibc)
import Glibc
#endif

/// A build's crash-safe progress: the shards completed so far, with their keys and statistics.
///
/// `.geopairs-journal.jsonl` in the dataset directory, one JSON object per line: first
/// `{"fingerprint": …}`, then one line per completed shard, appended and fsynced as it completes
/// (`{"shard": …, "resumePosition": n}`). Appending keeps the cost of a shard constant: rewriting
/// the whole journal after every shard made builds of many small shards quadratic (1,200 shards of
/// the partition benchmark spent minutes rewriting megabytes of JSON). A torn last line (a crash
/// mid-append) is dropped on load. The file is removed once `dataset.json` is written.
struct BuildJournal: Equatable {
    /// Identifies the build configuration; a journal from another configuration is not resumed.
    var fingerprint: String
    var shards: [CompletedShard]
    /// The first plan position whose records are not all in completed shards: a resumed build
    /// restarts there and skips the keys already written.
    var resumePosition: Int

    static let fileName = ClaimedOutput.journalFileName

    private struct Header: Codable { var fingerprint: String }
    private struct Entry: Codable {
        var shard: CompletedShard
        var resumePosition: Int
    }

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(fileName) }

    /// The journal in `directory`, or `nil` when there is none.
    static func load(directory: String) throws -> BuildJournal? {
        let path = path(in: directory)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        func corrupt(_ message: String) -> ShardError {
            ShardError(.corrupt, file: path, message: "build journal: \(message)")
        }
        var lines = Array(data).split(separator: UInt8(0x0A), omittingEmptySubsequences: false).map { Data($0) }
        let complete = data.last == 0x0A
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, let header = try? JSONDecoder().decode(Header.self, from: first) else {
            throw corrupt("the first line is not {\"fingerprint\": …}")
        }
        var journal = BuildJournal(fingerprint: header.fingerprint, shards: [], resumePosition: 0)
        for (n, line) in lines.enumerated().dropFirst() {
            guard let entry = try? JSONDecoder().decode(Entry.self, from: line) else {
                // Only the last line can be torn by a crash; it holds a shard that is then redone.
                if n == lines.count - 1 && !complete { break }
                throw corrupt("line \(n + 1) is not a completed shard")
            }
            journal.shards.append(entry.shard)
            journal.resumePosition = entry.resumePosition
        }
        if let problem = journal.problem { throw corrupt(problem) }
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

    /// Writes the journal as it is (header and every shard), atomically: for a new build, and after
    /// a load that dropped shards or a torn line.
    func rewrite(directory: String) throws {
        try OutputFile.writeAtomically(Array(try lines().joined()), to: Self.path(in: directory))
    }

    /// The journal's lines as ``rewrite(directory:)`` writes them: the header, then one per shard.
    func lines() throws -> [[UInt8]] {
        try [Self.line(Header(fingerprint: fingerprint))] + shards.map { try Self.line(Entry(shard: $0, resumePosition: resumePosition)) }
    }

    /// Records one more completed shard: one line appended and fsynced.
    /// - Returns: the line.
    @discardableResult
    mutating func append(_ shard: CompletedShard, resumePosition: Int, directory: String) throws -> [UInt8] {
        shards.append(shard)
        self.resumePosition = resumePosition
        let path = Self.path(in: directory)
        let bytes = try Self.line(Entry(shard: shard, resumePosition: resumePosition))
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw OutputFile.error("open", path) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw OutputFile.error("append to", path) }
        return bytes
    }

    private static func line(_ value: some Encodable) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return Array(try e.encode(value)) + [0x0A]
    }
}
