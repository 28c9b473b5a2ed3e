import Foundation
import GeoRaster
import ShardFormat

/// One object in a bucket read by ranged requests through GDAL's virtual file systems, retried
/// under a ``RetryPolicy``.
public final class RemoteByteSource: ByteSource {
    /// The object as the user would write it (`s3://bucket/key`), for messages.
    public let name: String
    public let size: Int
    let path: String
    let retry: RetryPolicy
    public var fetchesAhead: Bool { true }

    /// An object whose size is already known (no request).
    init(gdalPath: String, name: String, size: Int, retry: RetryPolicy) {
        path = gdalPath
        self.name = name
        self.size = size
        self.retry = retry
    }

    /// Opens an object; asks its size (one `HEAD`) and, when `expectedSize` is given, checks it.
    public convenience init(path: String, name: String? = nil, expectedSize: Int? = nil, retry: RetryPolicy = RetryPolicy()) throws {
        let gdal = VirtualFileSystem.gdalPath(path), name = name ?? path
        let found = try retry.perform(name: name, request: "HEAD") { try VirtualFileSystem.size(gdal) }
        guard let found else { throw ShardError(.io, file: name, message: "does not exist") }
        if let expectedSize, found != expectedSize {
            throw ShardError(.corrupt, file: name, message: "is \(found) bytes, dataset.json says \(expectedSize)")
        }
        self.init(gdalPath: gdal, name: name, size: found, retry: retry)
    }

    public func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        guard offset >= 0, offset <= size, destination.count <= size - offset else {
            throw ShardError(.truncated, file: name, message: "range \(offset)+\(destination.count) is outside the \(size)-byte object")
        }
        try retry.perform(name: name, request: "GET bytes=\(offset)-\(offset + destination.count - 1)") {
            try VirtualFileSystem.read(path, at: offset, into: destination)
        }
        RemoteTraffic.shared.add(requests: 1, bytes: destination.count)
    }

    /// The whole object with one streamed `GET` (a shard downloaded into a cache). Not retried:
    /// `body` has seen the first pieces; the cache gives up and reads through instead.
    public func readAll(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        do {
            try VirtualFileSystem.stream(path, expectedSize: size, body)
        } catch let error as RasterError {
            throw ShardError(.io, file: name, location: "GET (whole object)", message: error.message)
        }
        RemoteTraffic.shared.add(requests: 1, bytes: size)
    }
}

/// Requests and bytes read from object storage by this process (for benchmarks and reports).
public final class RemoteTraffic: @unchecked Sendable {
    public static let shared = RemoteTraffic()
    private let lock = NSLock()
    private var requests = 0
    private var bytes = 0

    func add(requests: Int, bytes: Int) {
        lock.withLock {
            self.requests += requests
            self.bytes += bytes
        }
    }

    /// Ranged reads so far and the bytes they returned.
    public var totals: (requests: Int, bytes: Int) { lock.withLock { (requests, bytes) } }
}
