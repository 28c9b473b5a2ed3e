#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written under a temporary name and published atomically: `write`… then `commit`
/// (fsync, rename over the final name, fsync the directory). Until `commit`, the final name never
/// holds a partial file; a crash leaves only the `<name>.<pid>.partial` file, which readers ignore.
public final class OutputFile {
    let finalPath: String
    let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let flushThreshold = 4 << 20
    /// Bytes written so far (buffered included).
    private(set) var size = 0

    init(path: String) throws {
        finalPath = path
        // The process id keeps two writers of the same file (a scheduler's retry racing the
        // original) from writing into one temporary file; each renames a whole file.
        temporaryPath = "\(path).\(getpid()).partial"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFile.error("create", temporaryPath) }
        buffer.reserveCapacity(Self.flushThreshold)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        size += bytes.count
        if buffer.count + bytes.count > Self.flushThreshold { try flush() }
        if bytes.count >= Self.flushThreshold {
            try writeAll(bytes)
        } else {
            buffer += bytes
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputFile.error("write", temporaryPath)
                }
                done += n
            }
        }
    }

    /// Flushes, fsyncs and renames the file to its final name; fsyncs the directory.
    func commit() throws {
        try flush()
        guard fsync(fd) == 0 else { throw OutputFile.error("fsync", temporaryPath) }
        close(fd)
        fd = -1
        guard rename(temporaryPath, finalPath) == 0 else { throw OutputFile.error("rename", finalPath) }
        Self.syncDirectory(of: finalPath)
    }

    /// Removes the temporary file without publishing it.
    func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
    }

    static func syncDirectory(of path: String) {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// The error of a failed file operation on `path`, with the system's reason (`errno`).
    public static func error(_ operation: String, _ path: String) -> ShardError {
        ShardError(.io, file: path, message: "\(operation) failed: \(String(cString: strerror(errno)))")
    }

    /// Writes a whole small file atomically.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(bytes)
        try file.commit()
    }
}
