import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole shards of remote datasets on local disk, bounded in size and shared by the processes of
/// one node (the ranks of one job).
///
/// Entries are named by the shard's SHA-256 from `dataset.json` (`<sha256>.gpshard`), so an entry
/// serves any dataset holding that shard and is never stale. A download goes to
/// `<sha256>.<pid>.partial` and is renamed into place only once complete at its full size: no
/// process ever sees a partial entry. Entries are verified on read, as local shards are: the
/// footer's CRC-32 when a reader opens it, each frame's zstd checksum when it is decoded; a frame
/// that fails is read again from the origin and the entry dropped
/// (``CachedByteSource/discardCachedCopy()``). Hashing every download with SHA-256 was measured
/// and dropped: at ~200 MB/s per core it tripled the time to a first batch from a cold cache.
/// One process downloads a shard at a time (`flock` on `<sha256>.lock`); the others read through
/// meanwhile. The least recently used entries (by modification time, touched on use) are removed
/// once the total exceeds the bound.
public final class ShardCache: Sendable {
    /// `--cache DIR --cache-size BYTES`.
    public struct Options: Sendable, Equatable {
        public var directory: String
        public var maxBytes: Int
        public init(directory: String, maxBytes: Int) {
            self.directory = directory
            self.maxBytes = maxBytes
        }
    }

    public let directory: String
    public let maxBytes: Int
    /// Downloads run `fillLanes` at a time per process, one lane per shard (by SHA-256).
    private let fillQueues = (0..<ShardCache.fillLanes).map { DispatchQueue(label: "geopairs.cache-fill.\($0)") }
    static let fillLanes = 4

    func fillQueue(for sha256: String) -> DispatchQueue {
        fillQueues[Int(sha256.utf8.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) } % UInt32(Self.fillLanes))]
    }

    /// Bytes of the entries now in the cache.
    func usedBytes() -> Int { entries().reduce(0) { $0 + $1.size } }

    /// The entries now in the cache: path, size and last use (modification time, ns).
    private func entries() -> [(path: String, size: Int, used: Int)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".gpshard") }.compactMap { name in
            var info = stat()
            let path = "\(directory)/\(name)"
            guard stat(path, &info) == 0 else { return nil }
            return (path, Int(info.st_size), info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec)
        }
    }

    /// Opens (creating) the cache directory and removes downloads of processes that have ended.
    public init(_ options: Options) throws {
        guard options.maxBytes > 0 else {
            throw ShardError(.invalidArgument, file: options.directory, message: "the cache size must be positive, got \(options.maxBytes)")
        }
        directory = options.directory
        maxBytes = options.maxBytes
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ShardError(.io, file: directory, message: "cannot create the cache directory: \(error.localizedDescription)")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".partial") {
            let parts = name.split(separator: ".")
            if parts.count == 3, let pid = Int32(parts[1]), kill(pid, 0) != 0, errno == ESRCH {
                unlink("\(directory)/\(name)")
            }
        }
    }

    func entryPath(_ sha256: String) -> String { "\(directory)/\(sha256).gpshard" }

    /// The cached copy of a shard, marked as recently used, or `nil`.
    func lookup(sha256: String, size: Int) -> FileByteSource? {
        let path = entryPath(sha256)
        guard let file = try? FileByteSource(path: path) else { return nil }
        guard file.size == size else {
            unlink(path)
            return nil
        }
        touch(path)
        return file
    }

    /// Marks an entry as recently used.
    func touch(_ path: String) { utimensat(AT_FDCWD, path, nil, 0) }

    /// Removes an entry (found damaged on read).
    func remove(sha256: String) { unlink(entryPath(sha256)) }

    enum FillOutcome {
        case cached(FileByteSource)
        /// Another process is downloading it.
        case busy
        /// Not cached, and why (too large, disk full, the download failed).
        case failed(String)
    }

    /// Copies `source` whole into the cache.
    func fill(sha256: String, from source: any ByteSource) -> FillOutcome {
        guard source.size <= maxBytes else { return .failed("\(source.size) bytes is more than the whole cache") }
        let lockFD = open("\(directory)/\(sha256).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { return .failed("cannot create its lock file: \(String(cString: strerror(errno)))") }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else { return .busy }
        if let done = lookup(sha256: sha256, size: source.size) { return .cached(done) }
        let partial = "\(directory)/\(sha256).\(getpid()).partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failed("cannot create \(partial): \(String(cString: strerror(errno)))") }
        var failure: String?
        var received = 0
        do {
            try source.readAll { piece in
                received += piece.count
                var done = 0
                while done < piece.count {
                    let w = write(fd, piece.baseAddress! + done, piece.count - done)
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else { throw ShardError(.io, file: partial, message: "write failed: \(String(cString: strerror(errno)))") }
                    done += w
                }
            }
        } catch {
            failure = "\(error)"
        }
        close(fd)
        if failure == nil, received != source.size { failure = "the download ended after \(received) of \(source.size) bytes" }
        if failure == nil, rename(partial, entryPath(sha256)) != 0 { failure = "rename failed: \(String(cString: strerror(errno)))" }
        if let failure {
            unlink(partial)
            return .failed(failure)
        }
        evict(keeping: sha256)
        return lookup(sha256: sha256, size: source.size).map { .cached($0) } ?? .failed("evicted at once")
    }

    /// Removes the least recently used entries until the total fits `maxBytes` (never `keeping`).
    /// Readers that have an entry open keep reading it: unlinking leaves open files intact.
    func evict(keeping: String) {
        let lockFD = open("\(directory)/.evict.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { return }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        let entries = entries()
        var total = entries.reduce(0) { $0 + $1.size }
        for entry in entries.sorted(by: { $0.used < $1.used }) where total > maxBytes && entry.path != entryPath(keeping) {
            if unlink(entry.path) == 0 { total -= entry.size }
        }
    }
}

/// A remote shard read through a ``ShardCache``. On the first read the whole shard is downloaded
/// (one streamed request). While the cache has room for it, reads wait for that download and are
/// then served locally: one large transfer beats a request per record on any store. Once the cache
/// is full (a dataset larger than the cache), reads go to the origin by range while the download
/// runs in the background and evicts the least recently used shards. When the cache cannot take
/// the shard (disk full, a damaged download), every read goes to the origin.
public final class CachedByteSource: ByteSource, @unchecked Sendable {
    public let origin: any ByteSource
    public let sha256: String
    private let cache: ShardCache
    private let condition = NSCondition()
    private var local: FileByteSource?
    private var filling = false
    /// Readers wait for the running download (the cache had room for it when it started).
    private var awaited = false
    /// No download is tried before this time (after a failure, or while another process downloads).
    private var nextAttempt = Date.distantPast
    private var lastTouch = Date()
    private var problem: String?

    public var name: String { origin.name }
    public var size: Int { origin.size }

    public init(origin: any ByteSource, sha256: String, cache: ShardCache) {
        self.origin = origin
        self.sha256 = sha256
        self.cache = cache
        local = cache.lookup(sha256: sha256, size: origin.size)
    }

    /// True once reads are served from the local copy.
    public var isCached: Bool { condition.withLock { local != nil } }

    public var fetchesAhead: Bool { !isCached && origin.fetchesAhead }

    /// Why the last download into the cache failed (reads then went to the origin), if one did.
    public var cacheProblem: String? { condition.withLock { problem } }

    public func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        if let copy = cachedCopy() {
            do {
                try copy.read(at: offset, into: destination)
                return
            } catch {
                _ = discardCachedCopy()
            }
        }
        try origin.read(at: offset, into: destination)
    }

    public func discardCachedCopy() -> Bool {
        condition.withLock {
            guard local != nil else { return false }
            local = nil
            cache.remove(sha256: sha256)
            nextAttempt = Date().addingTimeInterval(60)
            return true
        }
    }

    /// The local copy; else starts a download when one is due, and waits for it while it is awaited.
    private func cachedCopy() -> FileByteSource? {
        let now = Date()
        condition.lock()
        defer { condition.unlock() }
        if let local {
            // Used entries stay young for eviction; a touch per half minute is enough.
            if now.timeIntervalSince(lastTouch) > 30 {
                lastTouch = now
                cache.touch(cache.entryPath(sha256))
            }
            return local
        }
        if !filling && now >= nextAttempt {
            filling = true
            awaited = cache.usedBytes() + size <= cache.maxBytes
            cache.fillQueue(for: sha256).async { [self] in
                let outcome = cache.fill(sha256: sha256, from: origin)
                condition.withLock {
                    filling = false
                    switch outcome {
                    case .cached(let file): local = file
                    case .busy: nextAttempt = Date().addingTimeInterval(2)
                    case .failed(let why):
                        problem = why
                        nextAttempt = Date().addingTimeInterval(60)
                    }
                    condition.broadcast()
                }
            }
        }
        while filling && awaited { condition.wait() }
        return local
    }
}
