import CGDAL

/// A read-only GDAL raster dataset (`GDALDatasetH`), closed when the value goes out of scope.
///
/// Opens anything GDAL reads: local files, `/vsimem/`, VRTs, and remote paths such as `/vsicurl/`
/// and `/vsis3/`. **Not thread-safe**: a GDAL 3.6 dataset handle must never be used by two threads
/// at once (shared read-only handles only arrived in GDAL 3.10). Open one `Raster` per worker.
public final class Raster {
    /// The path the raster was opened from.
    public let path: String
    let handle: GDALDatasetH

    /// Opens a raster read-only (`GDALOpenEx` with `GDAL_OF_RASTER | GDAL_OF_READONLY`).
    /// - Throws: ``RasterError/Kind/open`` naming the path, with GDAL's message.
    public init(path: String) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        self.path = path
        GDALRuntime.resetError()
        let flags = UInt32(GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR)
        // Local files keep GDAL's side-car lookup (.aux.xml, .msk), which `gdalwarp` also does.
        let (option, value) = GDALRuntime.remoteOpenOption
        let setOption = VirtualFileSystem.isVirtual(path) && CPLGetConfigOption(option, nil) == nil
        if setOption { CPLSetThreadLocalConfigOption(option, value) }
        defer { if setOption { CPLSetThreadLocalConfigOption(option, nil) } }
        guard let opened = GDALOpenEx(path, flags, nil, nil, nil) else {
            var message = GDALRuntime.lastErrorMessage(or: "not a raster GDAL can open")
            // GDAL says "does not exist" for any failed remote open; asking again tells why.
            if VirtualFileSystem.isVirtual(path) {
                do { _ = try VirtualFileSystem.stat(path, fresh: true) } catch { message = error.message }
            }
            throw RasterError(.open, operation: "open raster", subject: path, message: message)
        }
        handle = opened
    }

    /// Opens `path`, runs `body` with the raster, and closes it when `body` returns or throws, so
    /// that code opening many files in turn holds one handle at a time by construction. The
    /// raster must not escape `body` (ARC would then keep it open until its last use).
    public static func withOpened<R>(_ path: String, _ body: (Raster) throws(RasterError) -> R) throws(RasterError) -> R {
        let raster = try Raster(path: path)
        return try withExtendedLifetime(raster) { () throws(RasterError) -> R in try body(raster) }
    }

    /// Wraps a dataset handle this object now owns (closed on deinit).
    init(owning handle: GDALDatasetH, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { GDALClose(handle) }

    /// Raster width in pixels (`GDALGetRasterXSize`).
    public var width: Int { Int(GDALGetRasterXSize(handle)) }
    /// Raster height in pixels (`GDALGetRasterYSize`).
    public var height: Int { Int(GDALGetRasterYSize(handle)) }
    /// Number of bands (`GDALGetRasterCount`).
    public var bandCount: Int { Int(GDALGetRasterCount(handle)) }

    private func band(_ index: Int) throws(RasterError) -> GDALRasterBandH {
        guard (1...max(1, bandCount)).contains(index), let band = GDALGetRasterBand(handle, Int32(index)) else {
            throw RasterError(.read, operation: "get band \(index)", subject: path,
                              message: "the raster has \(bandCount) band(s); bands are numbered from 1")
        }
        return band
    }

    /// A band's pixel type (`GDALGetRasterDataType`); `nil` for types GeoPairs does not handle.
    public func dataType(band index: Int) throws(RasterError) -> DType? {
        DType(gdal: GDALGetRasterDataType(try band(index)))
    }

    /// A band's nodata value (`GDALGetRasterNoDataValue`), `nil` when none is set.
    public func nodata(band index: Int) throws(RasterError) -> Double? {
        var has: Int32 = 0
        let value = GDALGetRasterNoDataValue(try band(index), &has)
        return has != 0 ? value : nil
    }

    /// A band's description (`GDALGetDescription` on the band), often the band name; may be empty.
    public func description(band index: Int) throws(RasterError) -> String {
        GDALGetDescription(try band(index)).map { String(cString: $0) } ?? ""
    }

    /// The affine geotransform (`GDALGetGeoTransform`).
    /// - Throws: ``RasterError/Kind/notGeoreferenced`` when the raster has none.
    public var geoTransform: GeoTransform {
        get throws(RasterError) {
            var c = [Double](repeating: 0, count: 6)
            guard GDALGetGeoTransform(handle, &c) == CE_None, c != [0, 1, 0, 0, 0, 1] else {
                throw RasterError(.notGeoreferenced, operation: "read geotransform", subject: path,
                                  message: "the raster has no geotransform")
            }
            return GeoTransform(c)
        }
    }

    /// The raster's CRS (`GDALGetSpatialRef`).
    /// - Throws: ``RasterError/Kind/notGeoreferenced`` when the raster has none.
    public var crs: CRS {
        get throws(RasterError) {
            guard let srs = GDALGetSpatialRef(handle) else {
                throw RasterError(.notGeoreferenced, operation: "read CRS", subject: path,
                                  message: "the raster has no coordinate reference system")
            }
            return try CRS(copying: srs, subject: path)
        }
    }

    /// The raster's outline in its own CRS, `pointsPerEdge` points per edge; see ``Footprint/transformed(to:)``.
    public func footprint(pointsPerEdge: Int = 21) throws(RasterError) -> Footprint {
        Footprint(crs: try crs, transform: try geoTransform, width: width, height: height, pointsPerEdge: pointsPerEdge)
    }

    /// Reads a window of some bands into a caller-owned buffer, band-sequential (C×H×W), converting
    /// to `T` as GDAL does (`GDALDatasetRasterIO`, all bands in one call).
    ///
    /// - Parameters:
    ///   - window: the pixels to read; must lie inside the raster.
    ///   - bands: 1-based band numbers, in output order; `nil` means all bands.
    ///   - buffer: capacity at least `bands.count × window.pixelCount`.
    /// - Returns: the number of elements written.
    @discardableResult
    public func read<T: RasterScalar>(
        window: PixelWindow, bands: [Int]? = nil, into buffer: UnsafeMutableBufferPointer<T>
    ) throws(RasterError) -> Int {
        let bandList = bands ?? Array(1...max(1, bandCount))
        for b in bandList { _ = try band(b) }
        guard window.fits(width: width, height: height) else {
            throw RasterError(.read, operation: "read window \(window)", subject: path,
                              message: "window outside the \(width)×\(height) raster")
        }
        let needed = bandList.count * window.pixelCount
        guard buffer.count >= needed, let base = buffer.baseAddress else {
            throw RasterError(.buffer, operation: "read window \(window)", subject: path,
                              message: "buffer holds \(buffer.count) values, \(needed) needed")
        }
        let size = MemoryLayout<T>.stride
        var bandMap = bandList.map { Int32($0) }
        GDALRuntime.resetError()
        let err = GDALDatasetRasterIOEx(
            handle, GF_Read, Int32(window.x), Int32(window.y), Int32(window.width), Int32(window.height),
            base, Int32(window.width), Int32(window.height), T.dataType.gdal,
            Int32(bandList.count), &bandMap, Int64(size), Int64(size * window.width),
            Int64(size * window.pixelCount), nil)
        guard err == CE_None else {
            throw RasterError(.read, operation: "read window \(window)", subject: path,
                              message: GDALRuntime.lastErrorMessage())
        }
        return needed
    }

    /// Reads a window of some bands into a new array, band-sequential (C×H×W).
    public func read<T: RasterScalar>(
        window: PixelWindow? = nil, bands: [Int]? = nil, as type: T.Type = T.self
    ) throws(RasterError) -> [T] {
        let w = window ?? PixelWindow(x: 0, y: 0, width: width, height: height)
        let count = (bands?.count ?? bandCount) * w.pixelCount
        var failure: RasterError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(RasterError) {
                initialized = try read(window: w, bands: bands, into: buffer)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }
}
