import Dispatch
import Foundation
@testable import ShardFormat
import TestSupport
import Testing

/// The local shard cache, with local files standing in for remote objects: entries appear whole
/// and verified, the bound holds by least recent use, a download another process holds is read
/// through, wrong or damaged bytes are never served from the cache.
@Suite("Shard cache")
struct ShardCacheTests {
    /// A byte source that counts its reads (the "remote" origin).
    final class CountingSource: ByteSource, @unchecked Sendable {
        let file: FileByteSource
        private let lock = NSLock()
        private var count = 0
        /// Reads at or past this offset fail (a connection that breaks mid-download).
        var failFrom = Int.max
        init(_ path: String) throws { file = try FileByteSource(path: path) }
        var name: String { file.name }
        var size: Int { file.size }
        var reads: Int { lock.withLock { count } }
        func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
            lock.withLock { count += 1 }
            guard offset + destination.count <= failFrom else { throw ShardError(.io, file: name, message: "connection reset") }
            try file.read(at: offset, into: destination)
        }
    }

    /// A file of `size` random bytes and its SHA-256.
    static func object(_ size: Int, in dir: String, seed: UInt8 = 1) throws -> (path: String, sha256: String, bytes: [UInt8]) {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<size).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let path = dir + "/object-\(seed)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var hasher = SHA256()
        hasher.update(bytes)
        return (path, hasher.finalizeHex(), bytes)
    }

    static func waitUntilCached(_ source: CachedByteSource) {
        for _ in 0..<200 where !source.isCached {
            _ = try? source.read(at: 0, count: 1)
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test("reads equal the origin from many threads while the shard is fetched; then they stay local, the entry whole under its SHA-256")
    func cachedReads() throws {
        let dir = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let o = try Self.object(3 << 20, in: dir)
        let origin = try CountingSource(o.path)
        let cache = try ShardCache(.init(directory: dir + "/cache", maxBytes: 64 << 20))
        let source = CachedByteSource(origin: origin, sha256: o.sha256, cache: cache)
        let expected = o.bytes
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<50 {
                let offset = (t * 7919 + i * 104_729) % (expected.count - 4096)
                let got = try? source.read(at: offset, count: 4096)
                #expect(got.map { $0[...] } == expected[offset..<(offset + 4096)])
            }
        }
        Self.waitUntilCached(source)
        #expect(source.isCached && source.cacheProblem == nil)
        let before = origin.reads
        #expect(try source.read(at: 1000, count: 10)[...] == expected[1000..<1010])
        #expect(origin.reads == before)
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache")
        #expect(entries.contains(o.sha256 + ".gpshard") && !entries.contains { $0.hasSuffix(".partial") }, "\(entries)")
        // A second cache on the same folder (another process) finds the entry without fetching.
        let other = CachedByteSource(origin: try CountingSource(o.path), sha256: o.sha256,
                                     cache: try ShardCache(.init(directory: dir + "/cache", maxBytes: 64 << 20)))
        #expect(other.isCached)
    }

    @Test("the bound holds: least recently used entries go first; an object larger than the cache is never cached")
    func eviction() throws {
        let dir = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cache = try ShardCache(.init(directory: dir + "/cache", maxBytes: 5 << 20))
        var sources: [CachedByteSource] = []
        for seed in UInt8(1)...3 {
            let o = try Self.object(2 << 20, in: dir, seed: seed)
            let source = CachedByteSource(origin: try CountingSource(o.path), sha256: o.sha256, cache: cache)
            Self.waitUntilCached(source)
            #expect(source.isCached)
            sources.append(source)
            Thread.sleep(forTimeInterval: 0.02)
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").filter { $0.hasSuffix(".gpshard") }
        #expect(Set(entries) == Set(sources.dropFirst().map { $0.sha256 + ".gpshard" }), "\(entries)")
        // The evicted entry's reader keeps reading its open file.
        #expect(try sources[0].read(at: 0, count: 4).count == 4)

        let big = try Self.object(6 << 20, in: dir, seed: 9)
        let tooBig = CachedByteSource(origin: try CountingSource(big.path), sha256: big.sha256, cache: cache)
        for _ in 0..<20 where tooBig.cacheProblem == nil {
            _ = try tooBig.read(at: 0, count: 1)
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(!tooBig.isCached && tooBig.cacheProblem?.contains("more than the whole cache") == true)
    }

    @Test("a download that breaks off leaves neither entry nor partial file; a damaged entry is dropped and read again from the origin")
    func verification() throws {
        let dir = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let o = try Self.object(12 << 20, in: dir)
        let cache = try ShardCache(.init(directory: dir + "/cache", maxBytes: 64 << 20))
        let breaking = try CountingSource(o.path)
        breaking.failFrom = 9 << 20
        let broken = CachedByteSource(origin: breaking, sha256: o.sha256, cache: cache)
        // The read that starts the download waits for it, then reads through.
        #expect(try broken.read(at: 0, count: 4)[...] == o.bytes[0..<4])
        #expect(!broken.isCached && broken.cacheProblem?.contains("connection reset") == true, "\(broken.cacheProblem ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").allSatisfy { !$0.hasSuffix(".gpshard") && !$0.hasSuffix(".partial") })

        let right = CachedByteSource(origin: try CountingSource(o.path), sha256: o.sha256, cache: cache)
        Self.waitUntilCached(right)
        // Bit rot in the cached copy: the caller's checksum fails and it asks for the origin.
        let entry = cache.entryPath(o.sha256)
        let fd = open(entry, O_WRONLY)
        var flipped: UInt8 = o.bytes[100] ^ 0xFF
        _ = pwrite(fd, &flipped, 1, 100)
        close(fd)
        #expect(try right.read(at: 100, count: 1) == [flipped])
        #expect(right.discardCachedCopy() && !right.isCached && !FileManager.default.fileExists(atPath: entry))
        #expect(try right.read(at: 100, count: 1) == [o.bytes[100]])
        #expect(!right.discardCachedCopy())
    }

    @Test("while another process downloads a shard, reads go to the origin; its partial file is removed once that process is gone")
    func sharedDownloads() throws {
        let dir = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/cache", withIntermediateDirectories: true)
        let o = try Self.object(1 << 20, in: dir)
        // "Another process" holds the download lock, with its partial file.
        let lock = open(dir + "/cache/\(o.sha256).lock", O_RDWR | O_CREAT, 0o644)
        #expect(flock(lock, LOCK_EX) == 0)
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let stale = dir + "/cache/\(o.sha256).\(ended.processIdentifier).partial"
        let live = dir + "/cache/\(o.sha256).\(getpid()).partial"
        _ = FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
        _ = FileManager.default.createFile(atPath: live, contents: Data([1, 2, 3]))
        let cache = try ShardCache(.init(directory: dir + "/cache", maxBytes: 64 << 20))
        #expect(!FileManager.default.fileExists(atPath: stale) && FileManager.default.fileExists(atPath: live))
        unlink(live)
        let origin = try CountingSource(o.path)
        let source = CachedByteSource(origin: origin, sha256: o.sha256, cache: cache)
        for _ in 0..<10 {
            #expect(try source.read(at: 5, count: 3)[...] == o.bytes[5..<8])
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(!source.isCached)
        close(lock)
        Self.waitUntilCached(source)
        #expect(source.isCached)
    }
}
