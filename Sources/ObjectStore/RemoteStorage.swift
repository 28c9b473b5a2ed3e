import Foundation
import GeoRaster
import ShardFormat

/// A dataset in object storage (`s3://bucket/prefix`, `gs://…`, `az://…`, `https://…` or a GDAL
/// `/vsi…/` path), read with ranged requests through GDAL's virtual file systems and, with a
/// ``ShardCache``, from whole shards cached on local disk.
///
/// Why GDAL and not Foundation's `URLSession`: GDAL is linked already (the builder warps with it);
/// its `/vsis3/`, `/vsigs/`, `/vsiaz/` and `/vsicurl/` sign requests for every major store, take
/// credentials from the environment, profiles and instance metadata like the vendors' own tools,
/// retry throttling and server errors, and reuse connections. `URLSession` would need all of that
/// written here, per store. The loader module itself stays free of GDAL: it reads a
/// ``DatasetStorage``; only programs that open remote datasets link this module.
public struct RemoteStorage: DatasetStorage {
    public let location: String
    /// The GDAL path of the prefix, without a trailing slash.
    let root: String
    public let cache: ShardCache?
    public let retry: RetryPolicy
    public var isRemote: Bool { true }

    public init(location: String, cache: ShardCache? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.location = location.hasSuffix("/") ? String(location.dropLast()) : location
        var root = VirtualFileSystem.gdalPath(location)
        while root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.cache = cache
        self.retry = retry
    }

    public func path(of file: String) -> String { location + "/" + file }

    /// The GDAL path (`/vsis3/…`) of a file of the dataset.
    public func gdalPath(of file: String) -> String { root + "/" + file }

    public func contents(of file: String, maxBytes: Int) throws -> [UInt8]? {
        let name = path(of: file)
        let size = try retry.perform(name: name, request: "HEAD") { try VirtualFileSystem.size(gdalPath(of: file)) }
        guard let size else { return nil }
        guard size <= maxBytes else {
            throw ShardError(.tooLarge, file: name, message: "\(size) bytes is more than the \(maxBytes) accepted")
        }
        return try RemoteByteSource(gdalPath: gdalPath(of: file), name: name, size: size, retry: retry).read(at: 0, count: size)
    }

    public func byteSource(for shard: ShardInfo) throws -> any ByteSource {
        if let problem = DatasetIndex.shardPathProblem(shard.file) {
            throw ShardError(.corrupt, file: path(of: "dataset.json"), location: "shard \(shard.file)", message: problem)
        }
        let origin = try RemoteByteSource(path: gdalPath(of: shard.file), name: path(of: shard.file), expectedSize: shard.bytes, retry: retry)
        guard let cache else { return origin }
        return CachedByteSource(origin: origin, sha256: shard.sha256, cache: cache)
    }
}

/// Opens a dataset location of either kind.
public enum DatasetStorageOpener {
    /// A local directory as ``LocalStorage``; a bucket or URL as ``RemoteStorage`` with the cache
    /// (ignored for local directories, which need none).
    public static func open(_ location: String, cache: ShardCache.Options? = nil, retry: RetryPolicy = RetryPolicy()) throws -> any DatasetStorage {
        guard DatasetLocation.isRemote(location) else { return LocalStorage(directory: location) }
        return RemoteStorage(location: location, cache: try cache.map(ShardCache.init), retry: retry)
    }
}

extension DatasetStorageOpener {
    /// Opens a location with the options as typed (`nil` where absent).
    /// - Throws: ``ShardError/Kind/invalidArgument`` naming the option for a malformed value.
    public static func open(_ location: String, cache: String?, cacheSize: String?, remoteTimeout: String?) throws -> any DatasetStorage {
        var options: ShardCache.Options?
        if let cache {
            let size = try cacheSize.map { text -> Int in
                guard let bytes = parseBytes(text), bytes > 0 else {
                    throw ShardError(.invalidArgument, file: "--cache-size", message: "expects a positive size such as 500M or 20G, got \"\(text)\"")
                }
                return bytes
            } ?? (10 << 30)
            options = ShardCache.Options(directory: cache, maxBytes: size)
        } else if cacheSize != nil {
            throw ShardError(.invalidArgument, file: "--cache-size", message: "goes with --cache DIR")
        }
        var retry = RetryPolicy()
        if let remoteTimeout {
            guard let seconds = Double(remoteTimeout), seconds >= 0, seconds.isFinite else {
                throw ShardError(.invalidArgument, file: "--remote-timeout", message: "expects seconds (0 or more), got \"\(remoteTimeout)\"")
            }
            retry.timeout = seconds
        }
        return try open(location, cache: options, retry: retry)
    }

    /// `123`, `500K`, `500M`, `20G`, `1T` (powers of 1024) → bytes.
    static func parseBytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        guard let last = text.uppercased().last else { return nil }
        if let shift = units[last] {
            guard let n = Int(text.dropLast()), n >= 0, n <= Int.max >> shift else { return nil }
            return n << shift
        }
        return Int(text)
    }
}
