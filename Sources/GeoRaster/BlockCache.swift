import CGDAL
import Foundation

/// GDAL's raster block cache: the decoded blocks of source rasters, shared by every thread of the
/// process. Warps read each source block once while it stays cached; a cache far larger than what
/// the current warps read only holds pages that are never read again.
public enum BlockCache {
    /// The size when nothing sized it for the work at hand (and the user did not set one).
    public static let defaultBytes = 512 << 20

    /// The user's `GDAL_CACHEMAX` (bytes, MB, or a percentage of memory as GDAL reads it), if set.
    static var userSetting: String? { ProcessInfo.processInfo.environment["GDAL_CACHEMAX"] }

    /// Sets the cache to `bytes`, unless the user set `GDAL_CACHEMAX` (theirs stands).
    public static func resize(to bytes: Int) {
        GDALRuntime.ensureInitialized()
        if userSetting == nil { GDALSetCacheMax64(Int64(max(1 << 20, bytes))) }
    }
}
