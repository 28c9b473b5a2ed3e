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
        // One alpha plane of the output type, as `gdalwarp -ot <T> -dstalpha` makes it.
        let alpha = UnsafeMutableRawBufferPointer.allocate(byteCount: plane * dataType.size, alignment: 16)
        defer { alpha.deallocate() }
        var firstBand = 0
        for input in inputs {
            let bands = input.outputBandCount
            let planeBytes = plane * dataType.size
            let slice = UnsafeMutableRawBufferPointer(rebasing: pixels[(firstBand * planeBytes)..<((firstBand + bands) * planeBytes)])
            try warp(input, onto: grid, type: dataType, options: options, into: slice, alpha: alpha)
            clearValidity(validity, where: UnsafeRawBufferPointer(alpha), type: dataType)
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

    /// The `gdalwarp` arguments (without sources) for one input group warped into a destination
    /// that already has the grid's CRS, extent, size and type, with one alpha band after the data
    /// bands: those of `-t_srs <CRS> -te … -tr … -ot <T> -dstalpha` into a new file, but
    /// `GDALWarpCreateOutput` (a transformer per source to suggest an output nobody needs) and
    /// the copy out of a MEM dataset of GDAL's own are skipped.
    ///
    /// A new file starts as zeros, is initialised to 0 again before the first source's chunks
    /// (`INIT_DEST=0`) and later sources land on what the earlier ones wrote. Here the caller
    /// zeroes the destination, and only a single source is told `INIT_DEST=0` (it saves reading
    /// the zeros back); told to every source, a later one would clear what an earlier one wrote.
    static func arguments(for input: WarpInput, options: WarpOptions) -> [String] {
        var args = ["-r", input.resampling.rawValue, "-dstalpha", "-q"]
        if input.rasters.count == 1 { args += ["-wo", "INIT_DEST=0"] }
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

    /// Runs `GDALWarp` for one input group into caller memory: a MEM dataset on the grid whose
    /// data bands are the planes of `pixels` and whose alpha band is `alpha`.
    private static func warp(
        _ input: WarpInput, onto grid: GridSpec, type: DType, options: WarpOptions,
        into pixels: UnsafeMutableRawBufferPointer, alpha: UnsafeMutableRawBufferPointer
    ) throws(RasterError) {
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
        // What a new MEM file holds: zeros, also where chunks without source pixels are skipped.
        pixels.initializeMemory(as: UInt8.self, repeating: 0)
        alpha.initializeMemory(as: UInt8.self, repeating: 0)
        // A mosaic's sources one by one, each over the part of the grid it can reach (see
        // `reach(of:resampling:kernelScale:grid:)`), or all of them over the whole grid in one call.
        var calls: [(sources: [GDALDatasetH?], window: PixelWindow)] = [(sources, PixelWindow(x: 0, y: 0, width: grid.width, height: grid.height))]
        if sources.count > 1, options.errorThreshold == 0, let scale = input.kernelScale {
            calls = []
            for (raster, source) in zip(input.rasters, sources) {
                if let window = try reach(of: raster, resampling: input.resampling, kernelScale: scale, grid: grid) {
                    calls.append(([source], window))
                }
            }
        }
        let args = CStringArray(arguments(for: input, options: options))
        for call in calls {
            let destination = try memoryDataset(grid, window: call.window, type: type, planes: pixels, alpha: alpha, subject: subject)
            defer { GDALClose(destination) }
            var callSources = call.sources
            GDALRuntime.resetError()
            let result: GDALDatasetH? = args.withPointer { argv in
                guard let appOptions = GDALWarpAppOptionsNew(argv, nil) else { return nil }
                defer { GDALWarpAppOptionsFree(appOptions) }
                var usageError: Int32 = 0
                return GDALWarp(nil, destination, Int32(callSources.count), &callSources, appOptions, &usageError)
            }
            guard result != nil else {
                throw RasterError(.warp, operation: "warp onto \(grid)", subject: subject,
                                  message: GDALRuntime.lastErrorMessage() + remoteReason(input.rasters))
            }
        }
        withExtendedLifetime(subsets) {}
    }

    /// The pixels of `grid` that `raster` can write when warped exactly with a fixed kernel scale, or
    /// `nil` when they miss the grid: the raster's outline in the grid's CRS, widened and snapped
    /// outwards. GDAL computes a pixel only when its centre maps inside the source raster
    /// (`GWKCheckAndComputeSrcOffsets`), or for `average` and `mode` when its footprint comes
    /// within 2·⌈1/XSCALE⌉ source pixels of it (`GWKAverageOrModeThread`); the margin, the
    /// kernel's radius over the scale plus two source pixels and two grid pixels, holds both and
    /// the outline's sampling between its points.
    ///
    /// With exact transformations and a fixed kernel scale a pixel's value does not depend on the
    /// window it is warped in, so a mosaic's sources warped one by one, each over its reach, give
    /// what one `gdalwarp` of all of them over the whole grid gives, in which each source transforms
    /// every pixel of the grid; later sources still land on what earlier ones wrote.
    ///
    /// The outline has a vertex at least every 64 source pixels, so that its edges, curved by the
    /// reprojection, bulge far less than the margin between vertices. Where it cannot be drawn
    /// whole in the grid's CRS (a vertex outside the projection's domain), the reach is the whole
    /// grid, and GDAL judges the source as it would in one call.
    static func reach(of raster: Raster, resampling: Resampling, kernelScale: [Double], grid: GridSpec) throws(RasterError) -> PixelWindow? {
        let whole = PixelWindow(x: 0, y: 0, width: grid.width, height: grid.height)
        let footprint = try raster.footprint(pointsPerEdge: min(1025, max(21, max(raster.width, raster.height) / 64 + 2)))
        guard let transformed = try? footprint.transformed(to: grid.crs), transformed.ring.count == footprint.ring.count,
              let outline = transformed.bounds else { return whole }
        let radius: Double = switch resampling {
        case .near, .bilinear: 1
        case .cubic, .average, .mode: 2
        }
        let scale = max(1e-6, min(1, kernelScale.min() ?? 1))
        let sourcePixel = max(outline.width / Double(max(1, raster.width)), outline.height / Double(max(1, raster.height)))
        let margin = (radius / scale + 2) * sourcePixel + 2 * grid.pixelSize
        let b = grid.bounds
        // Clamped to the grid before the conversion: a projection's far side can give huge values.
        func index(_ offset: Double, _ rule: FloatingPointRoundingRule, limit: Int) -> Int {
            Int(min(Double(limit), max(0, (offset / grid.pixelSize).rounded(rule))))
        }
        let x0 = index(outline.minX - margin - b.minX, .down, limit: grid.width)
        let x1 = index(outline.maxX + margin - b.minX, .up, limit: grid.width)
        let y0 = index(b.maxY - outline.maxY - margin, .down, limit: grid.height)
        let y1 = index(b.maxY - outline.minY + margin, .up, limit: grid.height)
        guard x1 > x0, y1 > y0 else { return nil }
        return PixelWindow(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// A MEM dataset on `window` of `grid` over caller memory: one band per plane of `planes` (whole
    /// `grid`-sized planes, of which it covers the window's rows and columns), then `alpha`.
    private static func memoryDataset(
        _ grid: GridSpec, window: PixelWindow, type: DType, planes: UnsafeMutableRawBufferPointer,
        alpha: UnsafeMutableRawBufferPointer, subject: String
    ) throws(RasterError) -> GDALDatasetH {
        let planeBytes = grid.pixelCount * type.size
        let sub = try grid.subgrid(window)
        guard let driver = GDALGetDriverByName("MEM"),
              let dataset = GDALCreate(driver, "", Int32(sub.width), Int32(sub.height), 0, type.gdal, nil) else {
            throw RasterError(.warp, operation: "create the warp's destination", subject: subject, message: GDALRuntime.lastErrorMessage())
        }
        var coefficients = sub.geoTransform.coefficients
        var ok = GDALSetGeoTransform(dataset, &coefficients) == CE_None && GDALSetProjection(dataset, grid.crs.wkt) == CE_None
        let offset = (window.y * grid.width + window.x) * type.size
        let bases = (0..<(planes.count / planeBytes)).map { planes.baseAddress! + $0 * planeBytes + offset } + [alpha.baseAddress! + offset]
        for base in bases where ok {
            // MEM reads the address back with CPLScanPointer, which takes 0x-prefixed hex.
            let bandOptions = CStringArray(["DATAPOINTER=0x" + String(UInt(bitPattern: base), radix: 16),
                                            "PIXELOFFSET=\(type.size)", "LINEOFFSET=\(type.size * grid.width)"])
            ok = bandOptions.withPointer { GDALAddBand(dataset, type.gdal, $0) } == CE_None
        }
        guard ok else {
            let message = GDALRuntime.lastErrorMessage()
            GDALClose(dataset)
            throw RasterError(.warp, operation: "create the warp's destination", subject: subject, message: message)
        }
        GDALSetRasterColorInterpretation(GDALGetRasterBand(dataset, Int32(bases.count)), GCI_AlphaBand)
        return dataset
    }

    /// Clears `validity` where the alpha plane is 0 (or less): no source pixel reached it.
    private static func clearValidity(_ validity: UnsafeMutableBufferPointer<UInt8>, where alpha: UnsafeRawBufferPointer, type: DType) {
        func clear<V: Numeric & Comparable>(_: V.Type) {
            let values = alpha.bindMemory(to: V.self)
            for i in 0..<validity.count where values[i] <= 0 { validity[i] = 0 }
        }
        switch type {
        case .u8: clear(UInt8.self)
        case .i16: clear(Int16.self)
        case .u16: clear(UInt16.self)
        case .i32: clear(Int32.self)
        case .f32: clear(Float.self)
        case .f64: clear(Double.self)
        }
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
}
