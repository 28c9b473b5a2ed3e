import CGDAL
import Foundation

/// Files wherever GDAL can reach them: local paths and GDAL's virtual file systems (`/vsis3/`,
/// `/vsigs/`, `/vsiaz/`, `/vsicurl/`, …), addressed by GDAL path or by URL (`s3://`, `gs://`,
/// `az://`, `https://`). Credentials, endpoints and TLS come from GDAL's own configuration
/// (`AWS_*`, `GS_*`, `AZURE_*`, `GDAL_HTTP_*`), environment variables included.
public enum VirtualFileSystem {
    /// GDAL network settings GeoPairs sets when the user has not (by environment or
    /// `CPLSetConfigOption`): option, value, why. Listed in `build-dataset --help` and the README.
    public static let networkDefaults: [(option: String, value: String, why: String)] = [
        ("GDAL_HTTP_MAX_RETRY", "5", "retry 429 and 5xx responses five times"),
        ("GDAL_HTTP_RETRY_DELAY", "1", "waiting 1 s, then doubling (1+2+4+8+16 s)"),
        ("GDAL_HTTP_CONNECTTIMEOUT", "15", "an unreachable endpoint fails in seconds"),
        ("GDAL_HTTP_TIMEOUT", "300", "a stalled transfer fails in minutes, not never"),
        ("CPL_VSIL_CURL_CACHE_SIZE", String(256 << 20), "one bounded cache of fetched ranges per process (GDAL: 16 MB)"),
        ("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR", "remote rasters only: no listing of the object's folder per open"),
    ]

    /// `networkDefaults` as help text, one option per line.
    public static var networkDefaultsHelp: String {
        networkDefaults.map { "  \($0.option)=\($0.value)  \($0.why)" }.joined(separator: "\n")
    }

    /// URL schemes and the GDAL file systems they map to.
    static let schemes: [(scheme: String, prefix: String)] = [
        ("s3://", "/vsis3/"), ("gs://", "/vsigs/"), ("az://", "/vsiaz/"), ("azure://", "/vsiaz/"),
    ]

    /// The GDAL path for a location: URLs mapped (`s3://b/k` → `/vsis3/b/k`, `https://…` →
    /// `/vsicurl/https://…`), anything else unchanged.
    public static func gdalPath(_ location: String) -> String {
        for (scheme, prefix) in schemes where location.lowercased().hasPrefix(scheme) {
            return prefix + location.dropFirst(scheme.count)
        }
        let lower = location.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") { return "/vsicurl/" + location }
        return location
    }

    /// True for a location that is not a local path: a URL, or a GDAL virtual file system other than
    /// `/vsimem/` (which is in memory).
    public static func isVirtual(_ location: String) -> Bool {
        let path = gdalPath(location)
        return path.hasPrefix("/vsi") && !path.hasPrefix("/vsimem/")
    }

    /// What `stat` found: a folder (or a key prefix in object storage) or a file of `size` bytes.
    public struct Entry: Sendable, Equatable {
        public var isDirectory: Bool
        public var size: Int
    }

    /// The entry at `path`, or `nil` when nothing is there.
    /// - Throws: ``RasterError/Kind/file`` when the answer is not "absent" but a failure: access
    ///   denied, a missing bucket, an unreachable endpoint (GDAL's message names which).
    /// - Parameter fresh: ask the storage again instead of trusting GDAL's cache of earlier answers
    ///   (after a failed read, to learn why).
    public static func stat(_ path: String, fresh: Bool = false) throws(RasterError) -> Entry? {
        GDALRuntime.ensureInitialized()
        let gdal = gdalPath(path)
        if fresh && isVirtual(gdal) { VSICurlPartialClearCache(gdal) }
        var isDirectory: Int32 = 0
        var size: Int64 = 0
        GDALRuntime.resetError()
        let flags = Int32(VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG | VSI_STAT_SIZE_FLAG | VSI_STAT_SET_ERROR_FLAG)
        if geopairs_vsi_stat(gdal, flags, &isDirectory, &size) == 0 {
            return Entry(isDirectory: isDirectory != 0, size: Int(size))
        }
        let code = CPLGetLastErrorNo()
        // Absent: a local path that does not exist, or an object storage "no such key".
        if code == CPLE_None || code == CPLE_OpenFailed || code == CPLE_FileIO || code == CPLE_AWSObjectNotFound {
            return nil
        }
        var message = GDALRuntime.lastErrorMessage()
        // A stat learns only the HTTP status (the service's explanation comes with bodies of GETs).
        let status = RasterError.httpStatus(in: message)
        if status == 0 {
            message += " (no answer: the endpoint is down or unreachable; check AWS_S3_ENDPOINT, the network and proxies)"
        } else if status == 403 || status == 401 {
            message += " (access denied: check the credentials, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_NO_SIGN_REQUEST=YES "
                + "for public data, the endpoint and region, and the bucket's policy)"
        }
        throw RasterError(.file, operation: "stat", subject: path, message: message)
    }

    /// Whether `path` is a folder (or a key prefix holding objects).
    public static func isDirectory(_ path: String) -> Bool {
        (try? stat(path))??.isDirectory ?? false
    }

    /// The names in a folder (or under a key prefix), sorted; empty when there is none.
    public static func list(_ directory: String) -> [String] {
        GDALRuntime.ensureInitialized()
        let entries = VSIReadDir(gdalPath(directory))
        defer { CSLDestroy(entries) }
        return strings(entries).filter { $0 != "." && $0 != ".." }.sorted()
    }

    /// Every path below a folder (or key prefix), relative to it, sorted; folders end without `/`.
    public static func listRecursive(_ directory: String) -> [String] {
        GDALRuntime.ensureInitialized()
        let entries = VSIReadDirRecursive(gdalPath(directory))
        defer { CSLDestroy(entries) }
        return strings(entries).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.sorted()
    }

    private static func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let list else { return [] }
        var out: [String] = []
        var i = 0
        while let p = list[i] { out.append(String(cString: p)); i += 1 }
        return out
    }

    /// Paths matching a shell pattern (`*`, `?`, `[…]` within one path component), sorted. A
    /// pattern without wildcards matches itself when it exists. Remote patterns are matched
    /// against a recursive listing of the folder before the first wildcard.
    /// - Throws: ``RasterError/Kind/file`` when the storage cannot be asked (see ``stat(_:)``).
    public static func glob(_ pattern: String) throws(RasterError) -> [String] {
        let path = gdalPath(pattern)
        guard let wildcard = path.firstIndex(where: { "*?[".contains($0) }) else {
            return try stat(path) == nil ? [] : [path]
        }
        guard let slash = path[..<wildcard].lastIndex(of: "/") else {
            return localGlob(path)
        }
        if !isVirtual(path) { return localGlob(path) }
        let root = String(path[..<slash])
        // The listing must succeed to be trusted: a missing bucket or denied request is an error.
        _ = try stat(root)
        // GDAL 3.6 does not retry a listing page answered 503: it ends the listing early. Two
        // listings that agree are trusted; five that never do are an error.
        var previous = listRecursive(root)
        for _ in 0..<5 {
            VSICurlPartialClearCache(root)
            let again = listRecursive(root)
            if again == previous { return again.map { root + "/" + $0 }.filter { fnmatch(path, $0, FNM_PATHNAME) == 0 } }
            previous = again
        }
        throw RasterError(.file, operation: "list", subject: root, message: "five listings disagreed (the storage keeps failing)")
    }

    private static func localGlob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    /// The whole content of a file, refusing files larger than `maxBytes`.
    /// - Throws: ``RasterError/Kind/file`` naming the path, with GDAL's message.
    public static func read(_ path: String, maxBytes: Int = 256 << 20) throws(RasterError) -> [UInt8] {
        GDALRuntime.ensureInitialized()
        GDALRuntime.resetError()
        guard let file = VSIFOpenExL(gdalPath(path), "rb", 1) else {
            throw RasterError(.file, operation: "open", subject: path, message: GDALRuntime.lastErrorMessage(or: "cannot open"))
        }
        defer { VSIFCloseL(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, $0.count, file) }
            out += chunk[0..<n]
            if out.count > maxBytes {
                throw RasterError(.file, operation: "read", subject: path, message: "larger than \(maxBytes) bytes")
            }
            if n < chunk.count {
                if CPLGetLastErrorType() == CE_Failure {
                    throw RasterError(.file, operation: "read", subject: path, message: GDALRuntime.lastErrorMessage(or: "read error"))
                }
                return out
            }
        }
    }

    /// `href` taken relative to the file `base` (a STAC item's link), both as GDAL paths: absolute
    /// hrefs and URLs are mapped as they are; `.` and `..` components are resolved.
    public static func resolve(_ href: String, relativeTo base: String) -> String {
        if href.hasPrefix("/") || href.contains("://") { return gdalPath(href) }
        let baseGDAL = gdalPath(base)
        var folder = baseGDAL.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
        // The fixed head that `..` must not climb out of: `/vsis3/bucket`, `/vsicurl/https://host`.
        var floor = 1
        if baseGDAL.hasPrefix("/vsicurl/") { floor = 5 } else if isVirtual(baseGDAL) { floor = 3 }
        for part in href.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            switch part {
            case ".", "": continue
            case "..": if folder.count > floor { folder.removeLast() }
            default: folder.append(part)
            }
        }
        return folder.joined(separator: "/")
    }
}
