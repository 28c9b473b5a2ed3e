import CGDAL

/// Writes rasters through GDAL drivers: georeferenced GeoTIFFs (`GTiff`) and quick-look PNGs (`PNG`).
public enum RasterWriter {
    /// Writes a band-sequential array as a GeoTIFF (`GDALCreate` with the `GTiff` driver, DEFLATE).
    ///
    /// - Parameters:
    ///   - bytes: `bandNames.count × height × width` little-endian values of `dataType`.
    ///   - mask: optional `height × width` validity (1 = valid), written as the dataset's mask band
    ///     (`GDALCreateDatasetMaskBand` with `GMF_PER_DATASET`).
    public static func writeGeoTIFF(
        path: String, width: Int, height: Int, dataType: DType, bytes: [UInt8], bandNames: [String],
        geoTransform: GeoTransform, crs: CRS, nodata: Double? = nil, mask: [UInt8]? = nil
    ) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        let bands = bandNames.count
        guard bands > 0, width > 0, height > 0, bytes.count == bands * width * height * dataType.size else {
            throw RasterError(.buffer, operation: "write GeoTIFF", subject: path,
                              message: "\(bytes.count) bytes for \(bands)×\(height)×\(width) \(dataType.rawValue)")
        }
        let dataset = try create(driver: "GTiff", path: path, width: width, height: height, bands: bands, type: dataType,
                                 options: ["COMPRESS=DEFLATE", "TILED=YES"])
        var closed = false
        defer { if !closed { GDALClose(dataset) } }
        var coefficients = geoTransform.coefficients
        GDALSetGeoTransform(dataset, &coefficients)
        try crs.withHandle { (h) throws(RasterError) in
            guard GDALSetSpatialRef(dataset, h) == CE_None else {
                throw RasterError(.crs, operation: "set CRS", subject: path, message: GDALRuntime.lastErrorMessage())
            }
        }
        for (i, name) in bandNames.enumerated() {
            let band = GDALGetRasterBand(dataset, Int32(i + 1))
            GDALSetDescription(band, name)
            if let nodata { GDALSetRasterNoDataValue(band, nodata) }
        }
        try write(dataset, bytes: bytes, width: width, height: height, bands: bands, type: dataType, path: path)
        if let mask {
            guard mask.count == width * height, GDALCreateDatasetMaskBand(dataset, GMF_PER_DATASET) == CE_None,
                  let maskBand = GDALGetMaskBand(GDALGetRasterBand(dataset, 1)) else {
                throw RasterError(.buffer, operation: "write mask", subject: path, message: GDALRuntime.lastErrorMessage())
            }
            let scaled = mask.map { $0 != 0 ? UInt8(255) : 0 }
            let err = scaled.withUnsafeBytes { raw in
                GDALRasterIO(maskBand, GF_Write, 0, 0, Int32(width), Int32(height), UnsafeMutableRawPointer(mutating: raw.baseAddress),
                             Int32(width), Int32(height), GDT_Byte, 0, 0)
            }
            guard err == CE_None else {
                throw RasterError(.read, operation: "write mask", subject: path, message: GDALRuntime.lastErrorMessage())
            }
        }
        closed = true
        GDALClose(dataset)
    }

    /// Writes 8-bit grey (1 band) or RGB (3 bands) pixels, band-sequential, as a PNG
    /// (an in-memory dataset copied with `GDALCreateCopy` to the `PNG` driver).
    public static func writePNG(path: String, width: Int, height: Int, bands: Int, pixels: [UInt8]) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        guard bands == 1 || bands == 3 || bands == 4, pixels.count == bands * width * height else {
            throw RasterError(.buffer, operation: "write PNG", subject: path, message: "\(pixels.count) values for \(bands)×\(height)×\(width)")
        }
        let memory = try create(driver: "MEM", path: "", width: width, height: height, bands: bands, type: .u8, options: [])
        defer { GDALClose(memory) }
        try write(memory, bytes: pixels, width: width, height: height, bands: bands, type: .u8, path: path)
        guard let png = GDALGetDriverByName("PNG") else {
            throw RasterError(.open, operation: "find driver PNG", subject: path, message: "GDAL has no PNG driver")
        }
        GDALRuntime.resetError()
        guard let copy = GDALCreateCopy(png, path, memory, 0, nil, nil, nil) else {
            throw RasterError(.open, operation: "write PNG", subject: path, message: GDALRuntime.lastErrorMessage())
        }
        GDALClose(copy)
    }

    private static func create(driver name: String, path: String, width: Int, height: Int, bands: Int,
                               type: DType, options: [String]) throws(RasterError) -> GDALDatasetH {
        guard let driver = GDALGetDriverByName(name) else {
            throw RasterError(.open, operation: "find driver \(name)", subject: path, message: "GDAL has no \(name) driver")
        }
        GDALRuntime.resetError()
        let dataset = CStringArray(options).withPointer { opts in
            GDALCreate(driver, path, Int32(width), Int32(height), Int32(bands), type.gdal, opts)
        }
        guard let dataset else {
            throw RasterError(.open, operation: "create \(name) raster", subject: path, message: GDALRuntime.lastErrorMessage())
        }
        return dataset
    }

    private static func write(_ dataset: GDALDatasetH, bytes: [UInt8], width: Int, height: Int, bands: Int,
                              type: DType, path: String) throws(RasterError) {
        let size = type.size
        var bandMap = (1...bands).map { Int32($0) }
        GDALRuntime.resetError()
        let err = bytes.withUnsafeBytes { raw in
            GDALDatasetRasterIOEx(dataset, GF_Write, 0, 0, Int32(width), Int32(height), UnsafeMutableRawPointer(mutating: raw.baseAddress),
                                  Int32(width), Int32(height), type.gdal, Int32(bands), &bandMap, Int64(size),
                                  Int64(size * width), Int64(size * width * height), nil)
        }
        guard err == CE_None else {
            throw RasterError(.read, operation: "write pixels", subject: path, message: GDALRuntime.lastErrorMessage())
        }
    }
}
