#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a dataset directory while one writer builds it (`flock` on
/// `.geopairs-lock`): a second build of the same directory — a scheduler's retry racing the
/// original — is refused instead of interleaving its shards and journal lines with the first's.
/// The kernel releases the lock when the process ends, however it ends.
final class DirectoryLock {
    static let fileName = ".geopairs-lock"
    private let fd: Int32

    /// - Throws: ``ShardError`` when another process holds the lock.
    init(directory: String) throws {
        let path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFile.error("create", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ShardError(.locked, file: directory,
                             message: "another build is writing this directory (a retry racing the original?); run again once it has ended")
        }
    }

    deinit { close(fd) }
}
