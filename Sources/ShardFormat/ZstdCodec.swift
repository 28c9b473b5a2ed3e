import CZstd

/// A reusable zstd compression and decompression context pair (`ZSTD_CCtx`, `ZSTD_DCtx`).
/// Not thread-safe: one per worker.
public final class ZstdCodec {
    private let cctx: OpaquePointer
    private let dctx: OpaquePointer
    /// Compression output space, reused: frames are then copied out at their exact size, so the
    /// records waiting to be written hold no unused capacity.
    private var scratch: [UInt8] = []

    /// - Parameter level: zstd compression level (1…19 useful; 3 is zstd's default).
    public init(level: Int32 = 3) {
        cctx = ZSTD_createCCtx()!
        dctx = ZSTD_createDCtx()!
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        // Every frame carries zstd's content checksum (XXH64), verified on decompression.
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        ZSTD_freeDCtx(dctx)
    }

    /// Sets the compression level for the next frames (`ZSTD_c_compressionLevel`).
    public func setLevel(_ level: Int32) {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
    }

    /// Compresses `source` into one zstd frame (content size and checksum recorded).
    public func compress(_ source: UnsafeRawBufferPointer) throws -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        let written = scratch.withUnsafeMutableBytes { out in
            ZSTD_compress2(cctx, out.baseAddress, bound, source.baseAddress, source.count)
        }
        if ZSTD_isError(written) != 0 {
            throw ShardError(.codec, file: "", message: "zstd compression failed: " + String(cString: ZSTD_getErrorName(written)))
        }
        return Array(scratch[..<written])
    }

    /// Decompresses one zstd frame that must expand to exactly `destination.count` bytes; the
    /// frame's content checksum is verified by zstd.
    public func decompress(_ frame: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        let declared = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        guard declared == UInt64(destination.count) else {
            let what = declared == ZSTD_CONTENTSIZE_ERROR ? "not a zstd frame"
                : declared == ZSTD_CONTENTSIZE_UNKNOWN ? "frame without content size" : "frame declares \(declared) bytes"
            throw ShardError(.corrupt, file: "", message: "\(what), \(destination.count) expected")
        }
        let written = ZSTD_decompressDCtx(dctx, destination.baseAddress, destination.count, frame.baseAddress, frame.count)
        if ZSTD_isError(written) != 0 {
            let code = ZSTD_getErrorCode(written)
            throw ShardError(code == ZSTD_error_checksum_wrong ? .checksumMismatch : .codec, file: "",
                             message: "zstd: " + String(cString: ZSTD_getErrorName(written)))
        }
        guard written == destination.count else {
            throw ShardError(.corrupt, file: "", message: "frame gave \(written) bytes, \(destination.count) expected")
        }
    }
}
