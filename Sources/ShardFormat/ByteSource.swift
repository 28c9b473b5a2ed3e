#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random-access bytes of one shard: a local file (`pread`), or anything else that can serve
/// ranges (an HTTP range reader, a test double that records what was read).
public protocol ByteSource: Sendable {
    /// Total size in bytes.
    var size: Int { get }
    /// A name for errors (the path).
    var name: String { get }
    /// Reads exactly `destination.count` bytes at `offset`.
    func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws
    /// Called when bytes read from this source failed their checksum: a source that served them
    /// from a local copy (``CachedByteSource``) drops that copy and returns true, so that reading
    /// again asks the origin. Others return false.
    func discardCachedCopy() -> Bool
    /// True when each read is a network request: the loader then fetches a batch's records
    /// concurrently before decoding them, so that request latency overlaps. Default false.
    var fetchesAhead: Bool { get }
    /// Reads the whole source in order, in pieces. Remote sources override it with one streamed
    /// request (a shard downloaded into a cache); the default reads 8 MiB ranges.
    func readAll(_ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

extension ByteSource {
    public func discardCachedCopy() -> Bool { false }

    public var fetchesAhead: Bool { false }

    public func readAll(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: min(size, 8 << 20))
        var offset = 0
        while offset < size {
            let n = min(buffer.count, size - offset)
            try buffer.withUnsafeMutableBytes { raw in
                let part = UnsafeMutableRawBufferPointer(rebasing: raw[0..<n])
                try read(at: offset, into: part)
                try body(UnsafeRawBufferPointer(part))
            }
            offset += n
        }
    }
}

extension ByteSource {
    /// Reads `count` bytes at `offset` into a new array, after checking they lie inside the source.
    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw ShardError(.truncated, file: name, message: "range \(offset)+\(count) is outside the \(size)-byte file")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { (raw) throws in try read(at: offset, into: raw) }
        return bytes
    }
}

/// A local file read with `pread`, which is safe to call from many threads on one descriptor.
public final class FileByteSource: ByteSource {
    public let name: String
    public let size: Int
    private let fd: Int32

    /// Opens a regular file. Anything else (a FIFO that would block, a device such as `/dev/zero`,
    /// a directory) is refused: a shard is a file of known size.
    public init(path: String) throws {
        name = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer before the type check can refuse it.
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw ShardError(.io, file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ShardError(.io, file: path, message: "cannot stat: \(message)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ShardError(.io, file: path, message: "not a regular file")
        }
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        guard offset >= 0, offset <= size, destination.count <= size - offset else {
            throw ShardError(.truncated, file: name, message: "range \(offset)+\(destination.count) is outside the \(size)-byte file")
        }
        var done = 0
        while done < destination.count {
            let n = pread(fd, destination.baseAddress! + done, destination.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ShardError(n == 0 ? .truncated : .io, file: name,
                                 message: n == 0 ? "file ended early" : "read failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
}
