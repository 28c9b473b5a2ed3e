import CGDAL
import Foundation

/// Ranged reads, uploads and deletions through GDAL's virtual file systems: the transport of
/// datasets kept in object storage (module ObjectStore). GDAL signs and retries the requests
/// (`GDAL_HTTP_MAX_RETRY` for 429 and 5xx) and uploads large files in parts (`VSIS3_CHUNK_SIZE`).
extension VirtualFileSystem {
    /// The size of an object as its storage reports it (`HEAD`), asking again rather than trusting GDAL's cache.
    public static func size(_ path: String) throws(RasterError) -> Int? {
        try stat(path, fresh: true).map(\.size)
    }

    /// Reads exactly `destination.count` bytes at `offset` (one ranged `GET`).
    /// - Throws: ``RasterError/Kind/file`` with GDAL's message; `operation` is `end` when the
    ///   object is shorter than asked (retrying will not help), `read` otherwise.
    public static func read(_ path: String, at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        GDALRuntime.resetError()
        let gdal = gdalPath(path)
        guard let file = VSIFOpenExL(gdal, "rb", 1) else {
            let message = GDALRuntime.lastErrorMessage(or: "cannot open")
            forget(gdal)
            throw RasterError(.file, operation: "open", subject: path, message: message)
        }
        defer { VSIFCloseL(file) }
        guard destination.count > 0 else { return }
        VSIFSeekL(file, vsi_l_offset(offset), SEEK_SET)
        let n = VSIFReadL(destination.baseAddress, 1, destination.count, file)
        guard n == destination.count else {
            // A short read is the object's end, or a failed request (GDAL 3.6 sets no error for a
            // refused connection): a fresh HEAD tells which, and why.
            let failed = CPLGetLastErrorType() == CE_Failure ? GDALRuntime.lastErrorMessage() : nil
            forget(gdal)
            let size = try stat(gdal, fresh: true)?.size
            if let size, size < offset + destination.count {
                throw RasterError(.file, operation: "end", subject: path, message: "the object ends at byte \(size), before \(offset + destination.count)")
            }
            throw RasterError(.file, operation: "read", subject: path, message: failed ?? "the transfer broke off after \(n) of \(destination.count) bytes")
        }
    }

    /// Reads a whole object in order with one streamed `GET` (`/vsis3_streaming/` and its kin:
    /// no range requests, no block cache), calling `body` with each piece.
    /// - Throws: ``RasterError/Kind/file`` when the transfer fails or ends before `expectedSize` bytes.
    public static func stream(_ path: String, expectedSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        GDALRuntime.ensureInitialized()
        GDALRuntime.resetError()
        var gdal = gdalPath(path)
        for fs in ["/vsis3/", "/vsigs/", "/vsiaz/", "/vsicurl/", "/vsiadls/", "/vsioss/", "/vsiswift/"] where gdal.hasPrefix(fs) {
            gdal = String(fs.dropLast()) + "_streaming/" + gdal.dropFirst(fs.count)
        }
        guard let file = VSIFOpenExL(gdal, "rb", 1) else {
            throw RasterError(.file, operation: "open", subject: path, message: GDALRuntime.lastErrorMessage(or: "cannot open"))
        }
        defer { VSIFCloseL(file) }
        var buffer = [UInt8](repeating: 0, count: 8 << 20)
        var total = 0
        while total < expectedSize {
            let n = buffer.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, min($0.count, expectedSize - total), file) }
            guard n > 0 else {
                throw RasterError(.file, operation: "read", subject: path,
                                  message: GDALRuntime.lastErrorMessage(or: "the transfer ended after \(total) of \(expectedSize) bytes"))
            }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
    }

    /// Uploads a local file to `path` (sequentially; GDAL turns large ones into multipart uploads).
    /// The object appears only when the upload completes.
    public static func upload(file local: String, to path: String) throws(RasterError) {
        guard let input = FileHandle(forReadingAtPath: local) else {
            throw RasterError(.file, operation: "upload", subject: local, message: "cannot open the local file")
        }
        defer { try? input.close() }
        try write(to: path) { () -> [UInt8]? in
            let chunk = (try? input.read(upToCount: 8 << 20)) ?? nil
            return chunk.flatMap { $0.isEmpty ? nil : Array($0) }
        }
    }

    /// Writes `bytes` as the whole object at `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws(RasterError) {
        var sent = false
        try write(to: path) { () -> [UInt8]? in
            defer { sent = true }
            return sent ? nil : bytes
        }
    }

    /// Streams chunks from `next` (nil: the end) into the object at `path`; the upload is checked
    /// at close, where S3 completes a multipart upload.
    private static func write(to path: String, next: () -> [UInt8]?) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        GDALRuntime.resetError()
        let gdal = gdalPath(path)
        guard let file = VSIFOpenExL(gdal, "wb", 1) else {
            throw RasterError(.file, operation: "create", subject: path, message: GDALRuntime.lastErrorMessage(or: "cannot create"))
        }
        var failure: String?
        while failure == nil, let chunk = next() {
            let n = chunk.withUnsafeBytes { VSIFWriteL($0.baseAddress, 1, $0.count, file) }
            if n != chunk.count { failure = GDALRuntime.lastErrorMessage(or: "write failed") }
        }
        if VSIFCloseL(file) != 0, failure == nil { failure = GDALRuntime.lastErrorMessage(or: "the upload did not complete") }
        forget(gdal)
        if let failure { throw RasterError(.file, operation: "upload", subject: path, message: failure) }
    }

    /// Deletes the object or file at `path`; nothing there is not an error.
    public static func delete(_ path: String) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        GDALRuntime.resetError()
        let gdal = gdalPath(path)
        if VSIUnlink(gdal) != 0, try stat(gdal, fresh: true) != nil {
            throw RasterError(.file, operation: "delete", subject: path, message: GDALRuntime.lastErrorMessage(or: "cannot delete"))
        }
        forget(gdal)
    }

    /// Drops what GDAL cached about `path` (its size, existence, fetched ranges), so that the
    /// next request asks the storage: after a failure, and after writing.
    static func forget(_ gdal: String) {
        if isVirtual(gdal) { VSICurlPartialClearCache(gdal) }
    }
}
