import CGDAL

/// Process-wide GDAL set-up, done exactly once before any GDAL call.
///
/// Swift initialises a `static let` lazily and thread-safely (`swift_once`), so every entry point
/// of this module touches ``ensureInitialized()`` and GDAL is registered once even when the first
/// calls come from several threads at the same time.
enum GDALRuntime {
    private static let initialized: Void = {
        // `GDALAllRegister` registers every driver; it must run before any concurrency.
        GDALAllRegister()
        // GDAL prints errors to stderr by default. We install the quiet handler instead: each
        // failing call is turned into a `RasterError` carrying GDAL's own message, which GDAL keeps
        // per thread (`CPLGetLastErrorMsg`) whatever handler is installed.
        CPLSetErrorHandler(CPLQuietErrorHandler)
        // Block cache: 512 MiB unless the user set GDAL_CACHEMAX (which GDAL reads itself); a
        // build sizes it to its warps (`BlockCache.resize`).
        if BlockCache.userSetting == nil { GDALSetCacheMax64(Int64(BlockCache.defaultBytes)) }
        for (key, value, _) in VirtualFileSystem.networkDefaults where key != remoteOpenOption.0 && CPLGetConfigOption(key, nil) == nil {
            CPLSetConfigOption(key, value)
        }
    }()

    /// The option GeoPairs sets per thread around opening a remote raster when the user has not:
    /// without it GDAL lists the object's "folder" to look for side-car files, one request that
    /// lists a whole bucket prefix per file.
    static let remoteOpenOption = ("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")

    /// Registers GDAL's drivers and installs the error handler, once per process.
    static func ensureInitialized() {
        _ = initialized
    }

    /// Clears this thread's GDAL error state before a call whose failure we may report.
    static func resetError() {
        CPLErrorReset()
    }

    /// This thread's last GDAL error message (`CPLGetLastErrorMsg`), or a fallback.
    static func lastErrorMessage(or fallback: String = "GDAL reported no message") -> String {
        guard let message = CPLGetLastErrorMsg() else { return fallback }
        let text = String(cString: message)
        return text.isEmpty ? fallback : text
    }
}
