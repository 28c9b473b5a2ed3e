import CGDAL

/// Reprojection onto a ``GridSpec`` through GDAL's own `gdalwarp` implementation (`GDALWarp`).
///
/// Using the library function behind the `gdalwarp` command, with the same arguments, makes our
/// pixels identical to the command's by construction; tests check that against the CLI itself.
public enum Warper {
    /// Warps every input onto `grid` and stacks their bands, in input order, into one result.
    ///
    /// Each input is warped with `-t_srs <grid CRS> -te <grid bounds> -tr <pixel size> -r <resampling>
    /// -ot <T> -dstalpha -ovr NONE`: the alpha band marks where the input had data, which (with NaN)
    /// makes the validity mask.
    /// - Throws: ``RasterError`` naming the input for an empty input, an ungeoreferenced raster,
    ///   a bad band number, or a GDAL warp failure.
    public static func warp<T: RasterScalar>(
        _ inputs: [WarpInput], onto grid: GridSpec, as type: T.Type = T.self, options: WarpOptions = WarpOptions()
    ) throws(RasterError) -> WarpedRaster<T> {
        let bandCount = inputs.reduce(0) { $0 + $1.outputBandCount }
        var pixels = [T](unsafeUninitializedCapacity: bandCount * grid.pixelCount) { _, n in n = bandCount * grid.pixelCount }
        var validity = [UInt8](repeating: 1, count: grid.pixelCount)
        try pixels.withUnsafeMutableBufferPointer { (typed) throws(RasterError) in
            try validity.withUnsafeMutableBufferPointer { (mask) throws(RasterError) in
                try warp(inputs, onto: grid, dataType: T.dataType, into: UnsafeMutableRawBufferPointer(typed), validity: mask,
                         options: options)
            }
        }
        return WarpedRaster(grid: grid, bandCount: bandCount, pixels: pixels, validity: validity)
    }

    /// The same warp into caller-owned memory: `pixels` receives `bands × height × width` values of
    /// `dataType` (native byte order), `validity` `height × width` flags (1 = every band has data).
    public static func warp(
        _ inputs: [WarpInput], onto grid: GridSpec, dataType: DType, into pixels: UnsafeMutableRawBufferPointer,
        validity: UnsafeMutableBufferPointer<UInt8>, options: WarpOptions = WarpOptions()
    ) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        guard !inputs.isEmpty else {
            throw RasterError(.warp, operation: "warp", subject: grid.description, message: "no inputs given")
        }
        for input in inputs { try validate(input) }
        let bandCount = inputs.reduce(0) { $0 + $1.outputBandCount }
        let plane = grid.pixelCount
        guard pixels.count >= bandCount * plane * dataType.size, validity.count >= plane else {
            throw RasterError(.buffer, operation: "warp", subject: grid.description,
                              message: "buffers of \(pixels.count) bytes and \(validity.count) flags are too small")
        }
        for i in 0..<plane { validity[i] = 1 }
        var alpha = [Float](repeating: 0, count: plane)
        var firstBand = 0
        for input in inputs {
            let warped = try warpToMemory(input, onto: grid, type: dataType, options: options)
            defer { GDALClose(warped) }
            let bands = input.outputBandCount
            let planeBytes = plane * dataType.size
            let slice = UnsafeMutableRawBufferPointer(rebasing: pixels[(firstBand * planeBytes)..<((firstBand + bands) * planeBytes)])
            try readMemory(warped, bands: Array(1...bands), into: slice, type: dataType, grid: grid, subject: input)
            try alpha.withUnsafeMutableBufferPointer { (buffer) throws(RasterError) in
                try readMemory(warped, bands: [bands + 1], into: UnsafeMutableRawBufferPointer(buffer), type: .f32, grid: grid, subject: input)
            }
            for i in 0..<plane where alpha[i] <= 0 { validity[i] = 0 }
            firstBand += bands
        }
        // NaN is never data.
        switch dataType {
        case .f32:
            let values = pixels.bindMemory(to: Float.self)
            for b in 0..<bandCount { for i in 0..<plane where values[b * plane + i].isNaN { validity[i] = 0 } }
        case .f64:
            let values = pixels.bindMemory(to: Double.self)
            for b in 0..<bandCount { for i in 0..<plane where values[b * plane + i].isNaN { validity[i] = 0 } }
        default:
            break
        }
    }

    /// The `gdalwarp` arguments (without sources and destination) for one input group.
    static func arguments(for input: WarpInput, grid: GridSpec, type: DType, options: WarpOptions) -> [String] {
        let b = grid.bounds
        var args = ["-of", "MEM", "-t_srs", grid.crs.wkt,
                    "-te", num(b.minX), num(b.minY), num(b.maxX), num(b.maxY),
                    "-tr", num(grid.pixelSize), num(grid.pixelSize),
                    "-r", input.resampling.rawValue, "-ot", type.gdalName, "-dstalpha", "-q"]
        if let nodata = input.nodata { args += ["-srcnodata", num(nodata)] }
        if let scale = input.kernelScale, scale.count == 2 {
            args += ["-wo", "XSCALE=\(scale[0])", "-wo", "YSCALE=\(scale[1])"]
        }
        return args + options.gdalwarpArguments
    }

    private static func num(_ value: Double) -> String {
        // Swift prints the shortest text that reads back to the same Double.
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A failed read of a remote raster surfaces as a TIFF or block error; the storage's own
    /// answer to a fresh request says what went wrong (", because …"), or nothing when it answers.
    static func remoteReason(_ rasters: [Raster]) -> String {
        for raster in rasters where VirtualFileSystem.isVirtual(raster.path) {
            do { _ = try VirtualFileSystem.stat(raster.path, fresh: true) } catch { return ", because \(raster.path) fails: \(error.message)" }
        }
        return ""
    }

    private static func validate(_ input: WarpInput) throws(RasterError) {
        guard let first = input.rasters.first else {
            throw RasterError(.warp, operation: "warp", subject: "mosaic input", message: "the input has no rasters")
        }
        for raster in input.rasters {
            _ = try raster.geoTransform
            _ = try raster.crs
            guard raster.bandCount > 0 else {
                throw RasterError(.read, operation: "warp", subject: raster.path, message: "the raster has no bands")
            }
            if let bands = input.bands {
                for b in bands where !(1...raster.bandCount).contains(b) {
                    throw RasterError(.read, operation: "select band \(b)", subject: raster.path,
                                      message: "the raster has \(raster.bandCount) band(s)")
                }
            } else if raster.bandCount != first.bandCount {
                throw RasterError(.warp, operation: "mosaic", subject: raster.path,
                                  message: "has \(raster.bandCount) bands, \(first.path) has \(first.bandCount)")
            }
        }
    }

    /// Runs `GDALWarp` for one input group into a new MEM dataset (data bands + alpha).
    private static func warpToMemory(
        _ input: WarpInput, onto grid: GridSpec, type: DType, options: WarpOptions
    ) throws(RasterError) -> GDALDatasetH {
        let subject = input.rasters.map(\.path).joined(separator: ", ")
        // A band subset goes through an in-memory VRT (gdalwarp -srcband arrives only in GDAL 3.7);
        // a raster whose bands are exactly the ones asked for is warped as it is.
        var subsets: [Raster] = []
        var sources: [GDALDatasetH?] = []
        for raster in input.rasters {
            if let bands = input.bands, bands != Array(1...raster.bandCount) {
                subsets.append(try bandSubset(raster, bands: bands))
                sources.append(subsets.last!.handle)
            } else {
                sources.append(raster.handle)
            }
        }
        let args = CStringArray(arguments(for: input, grid: grid, type: type, options: options))
        GDALRuntime.resetError()
        let result: GDALDatasetH? = args.withPointer { argv in
            guard let appOptions = GDALWarpAppOptionsNew(argv, nil) else { return nil }
            defer { GDALWarpAppOptionsFree(appOptions) }
            var usageError: Int32 = 0
            return GDALWarp("", nil, Int32(sources.count), &sources, appOptions, &usageError)
        }
        withExtendedLifetime(subsets) {}
        guard let result else {
            throw RasterError(.warp, operation: "warp onto \(grid)", subject: subject,
                              message: GDALRuntime.lastErrorMessage() + remoteReason(input.rasters))
        }
        return result
    }

    /// A VRT view of some bands of a raster (`GDALTranslate -of VRT -b …`).
    private static func bandSubset(_ raster: Raster, bands: [Int]) throws(RasterError) -> Raster {
        let args = CStringArray(["-of", "VRT"] + bands.flatMap { ["-b", String($0)] })
        GDALRuntime.resetError()
        let result: GDALDatasetH? = args.withPointer { argv in
            guard let opts = GDALTranslateOptionsNew(argv, nil) else { return nil }
            defer { GDALTranslateOptionsFree(opts) }
            var usageError: Int32 = 0
            return GDALTranslate("", raster.handle, opts, &usageError)
        }
        guard let result else {
            throw RasterError(.read, operation: "select bands \(bands)", subject: raster.path,
                              message: GDALRuntime.lastErrorMessage())
        }
        return Raster(owning: result, path: raster.path)
    }

    private static func readMemory(
        _ dataset: GDALDatasetH, bands: [Int], into buffer: UnsafeMutableRawBufferPointer, type: DType, grid: GridSpec,
        subject input: WarpInput
    ) throws(RasterError) {
        let size = type.size
        var bandMap = bands.map { Int32($0) }
        GDALRuntime.resetError()
        let err = GDALDatasetRasterIOEx(
            dataset, GF_Read, 0, 0, Int32(grid.width), Int32(grid.height), buffer.baseAddress,
            Int32(grid.width), Int32(grid.height), type.gdal, Int32(bands.count), &bandMap,
            Int64(size), Int64(size * grid.width), Int64(size * grid.pixelCount), nil)
        guard err == CE_None else {
            throw RasterError(.warp, operation: "read warped pixels", subject: input.rasters.map(\.path).joined(separator: ", "),
                              message: GDALRuntime.lastErrorMessage() + remoteReason(input.rasters))
        }
    }
}
