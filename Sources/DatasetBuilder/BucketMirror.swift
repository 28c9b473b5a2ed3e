import Foundation
import GeoRaster
import ObjectStore
import ShardFormat

/// A dataset written into object storage (`build-dataset build --out s3://…`): each shard is
/// uploaded as it completes, then its journal line as an object of its own
/// (`.geopairs-journal/line-NNNNNNNN.json`, line 0 the header, so that a line costs one small
/// `PUT` however long the build), and `dataset.json` last. A rerun on any machine reads the
/// journal back and resumes; until `dataset.json` exists the prefix never looks finished.
public final class BucketMirror: DatasetMirror {
    public let location: String
    private let storage: RemoteStorage
    private let retry: RetryPolicy
    static let journalFolder = ".geopairs-journal"

    public init(location: String, retry: RetryPolicy = RetryPolicy()) {
        storage = RemoteStorage(location: location, retry: retry)
        self.location = storage.location
        self.retry = retry
    }

    private func size(_ file: String) throws -> Int? {
        try retry.perform(name: storage.path(of: file), request: "HEAD") { try VirtualFileSystem.size(storage.gdalPath(of: file)) }
    }

    private func put(_ bytes: [UInt8], _ file: String) throws {
        try retry.perform(name: storage.path(of: file), request: "PUT") { try VirtualFileSystem.write(bytes, to: storage.gdalPath(of: file)) }
    }

    private func delete(_ file: String) throws {
        try retry.perform(name: storage.path(of: file), request: "DELETE") { try VirtualFileSystem.delete(storage.gdalPath(of: file)) }
    }

    /// The journal's line objects by number, listed afresh.
    private func journalObjects() throws -> [Int: String] {
        let folder = storage.gdalPath(of: Self.journalFolder)
        _ = try retry.perform(name: storage.path(of: Self.journalFolder), request: "LIST") { try VirtualFileSystem.stat(folder, fresh: true) }
        var objects: [Int: String] = [:]
        for name in VirtualFileSystem.list(folder) where name.hasPrefix("line-") && name.hasSuffix(".json") {
            if let n = Int(name.dropFirst(5).dropLast(5)) { objects[n] = Self.journalFolder + "/" + name }
        }
        return objects
    }

    private static func lineName(_ n: Int) -> String { journalFolder + String(format: "/line-%08d.json", n) }

    public func hasFinishedDataset() throws -> Bool { try size("dataset.json") != nil }

    public func clear() throws {
        // dataset.json first: from then on the prefix no longer looks finished.
        try delete("dataset.json")
        for (_, file) in try journalObjects() { try delete(file) }
        let shards = storage.gdalPath(of: "shards")
        _ = try? VirtualFileSystem.stat(shards, fresh: true)
        for name in VirtualFileSystem.list(shards) { try delete("shards/" + name) }
    }

    public func journalLines() throws -> [[UInt8]] {
        let objects = try journalObjects()
        var lines: [[UInt8]] = []
        // Consecutive lines from 0: a gap ends the journal (a line whose PUT never completed).
        while let file = objects[lines.count], let bytes = try storage.contents(of: file, maxBytes: 256 << 20) {
            lines.append(bytes)
        }
        return lines
    }

    public func replaceJournal(_ lines: [[UInt8]]) throws {
        let existing = try journalObjects()
        // Stale lines go first, so that an interrupted replacement leaves a prefix of the journal.
        for (n, file) in existing where n >= lines.count { try delete(file) }
        for (n, line) in lines.enumerated() { try put(line, Self.lineName(n)) }
    }

    public func holds(_ shard: ShardInfo) throws -> Bool { try size(shard.file) == shard.bytes }

    public func publish(shard localPath: String, info: ShardInfo, journalLine: [UInt8], number: Int) throws {
        try retry.perform(name: storage.path(of: info.file), request: "PUT (upload)") {
            try VirtualFileSystem.upload(file: localPath, to: storage.gdalPath(of: info.file))
        }
        try put(journalLine, Self.lineName(number))
    }

    public func publishIndex(_ bytes: [UInt8]) throws { try put(bytes, "dataset.json") }
}
