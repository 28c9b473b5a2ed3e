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
        // Block cache: 512 MiB is plenty for block-wise warps. `GDAL_CACHEMAX` is read once, so
        // the setter is used (CPLSetConfigOption would be process-wide and too late).
        GDALSetCacheMax64(512 << 20)
        for (key, value) in networkDefaults where CPLGetConfigOption(key, nil) == nil {
            CPLSetConfigOption(key, value)
        }
    }()

    /// GDAL network settings GeoPairs sets when the user has not (by environment or
    /// `CPLSetConfigOption`); README "Inputs in object storage" lists them with the reasons.
    public static let networkDefaults: [(String, String)] = [
        // Retry 429/5xx responses 5 times, waiting 1, 2, 4, 8, 16 s (GDAL doubles the delay).
        ("GDAL_HTTP_MAX_RETRY", "5"),
        ("GDAL_HTTP_RETRY_DELAY", "1"),
        // An unreachable endpoint fails in seconds, a stalled transfer in minutes.
        ("GDAL_HTTP_CONNECTTIMEOUT", "15"),
        ("GDAL_HTTP_TIMEOUT", "300"),
        // One process-wide cache of fetched byte ranges, bounded (GDAL's default is 16 MB).
        ("CPL_VSIL_CURL_CACHE_SIZE", String(256 << 20)),
    ]

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
