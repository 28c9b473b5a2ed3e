import CGDAL

/// How vector features become a label raster: what value each feature burns, over which pixels.
public struct RasterizeRule: Sendable, Equatable {
    public enum Burn: Sendable, Equatable {
        /// A numeric attribute's value (`gdal_rasterize -a ATTR`).
        case attribute(String)
        /// An attribute's text values mapped to class ids, one pass per class in table order (later
        /// classes over earlier ones): `gdal_rasterize -where "ATTR" = 'VALUE' -burn ID`.
        case classes(attribute: String, table: [ClassValue])
        /// One value for every feature (`-burn V`).
        case constant(Double)
    }

    /// One entry of a class table.
    public struct ClassValue: Sendable, Equatable {
        public var value: String
        public var id: Double
        public init(value: String, id: Double) {
            self.value = value
            self.id = id
        }
    }

    public var burn: Burn
    /// Every pixel a feature touches, not just those whose centre it covers (`-at`).
    public var allTouched: Bool
    /// The value of pixels no feature burns (`-init`).
    public var background: Double
    /// The layer to read (`-l`); all layers when `nil`.
    public var layer: String?

    public init(burn: Burn, allTouched: Bool = false, background: Double = 0, layer: String? = nil) {
        self.burn = burn
        self.allTouched = allTouched
        self.background = background
        self.layer = layer
    }

    /// The `gdal_rasterize` arguments of each pass, in order (what DATASETS.md tells a reader to run).
    public var passes: [[String]] {
        var common: [String] = allTouched ? ["-at"] : []
        if let layer { common += ["-l", layer] }
        switch burn {
        case .attribute(let name): return [common + ["-a", name]]
        case .constant(let v): return [common + ["-burn", Self.number(v)]]
        case .classes(let attribute, let table):
            return table.map { c in
                common + ["-where", "\"\(attribute.replacingOccurrences(of: "\"", with: "\"\""))\" = '\(c.value.replacingOccurrences(of: "'", with: "''"))'",
                          "-burn", Self.number(c.id)]
            }
        }
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
}

/// Burns vector files (anything OGR reads, local or remote) onto a grid with `GDALRasterize`.
/// Features in another CRS are first reprojected into the grid's (`GDALVectorTranslate -t_srs`,
/// limited to the grid's extent), since `GDALRasterize` does not reproject.
public enum Rasterizer {
    /// Rasterizes `paths` in order into `raw` (width × height values of `dataType`).
    /// - Throws: ``RasterError`` naming the file, with GDAL's message.
    public static func rasterize(_ paths: [String], rule: RasterizeRule, onto grid: GridSpec, dataType: DType,
                                 into raw: UnsafeMutableRawBufferPointer) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        let needed = grid.pixelCount * Int(GDALGetDataTypeSizeBytes(dataType.gdal))
        guard raw.count >= needed, let base = raw.baseAddress else {
            throw RasterError(.buffer, operation: "rasterize", subject: grid.description, message: "buffer holds \(raw.count) bytes, \(needed) needed")
        }
        guard let driver = GDALGetDriverByName("MEM"),
              let target = GDALCreate(driver, "", Int32(grid.width), Int32(grid.height), 1, dataType.gdal, nil) else {
            throw RasterError(.grid, operation: "create raster", subject: grid.description, message: GDALRuntime.lastErrorMessage())
        }
        defer { GDALClose(target) }
        var transform = [grid.originX, grid.pixelSize, 0, grid.originY, 0, -grid.pixelSize]
        GDALSetGeoTransform(target, &transform)
        GDALSetProjection(target, grid.crs.wkt)
        GDALFillRaster(GDALGetRasterBand(target, 1), rule.background, 0)
        for path in paths {
            GDALRuntime.resetError()
            guard let source = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
                throw RasterError(.open, operation: "open vector file", subject: path, message: GDALRuntime.lastErrorMessage())
            }
            defer { GDALClose(source) }
            let reprojected = try inGridCRS(source, path: path, grid: grid, layer: rule.layer)
            defer { if let reprojected { GDALClose(reprojected) } }
            for pass in rule.passes {
                GDALRuntime.resetError()
                var usageError: Int32 = 0
                let ok = CStringArray(pass).withPointer { argv -> Bool in
                    guard let options = GDALRasterizeOptionsNew(argv, nil) else { return false }
                    defer { GDALRasterizeOptionsFree(options) }
                    return GDALRasterize(nil, target, reprojected ?? source, options, &usageError) != nil
                }
                guard ok, CPLGetLastErrorType() != CE_Failure else {
                    throw RasterError(.warp, operation: "rasterize onto \(grid)", subject: path, message: GDALRuntime.lastErrorMessage())
                }
            }
        }
        GDALRuntime.resetError()
        let err = GDALRasterIO(GDALGetRasterBand(target, 1), GF_Read, 0, 0, Int32(grid.width), Int32(grid.height),
                               base, Int32(grid.width), Int32(grid.height), dataType.gdal, 0, 0)
        guard err == CE_None else {
            throw RasterError(.read, operation: "read rasterized pixels", subject: grid.description, message: GDALRuntime.lastErrorMessage())
        }
    }

    /// The source's features reprojected into the grid's CRS (an in-memory copy of the grid's
    /// extent), or `nil` when every layer already is in it.
    static func inGridCRS(_ source: GDALDatasetH, path: String, grid: GridSpec, layer: String?) throws(RasterError) -> GDALDatasetH? {
        var same = true
        for i in 0..<GDALDatasetGetLayerCount(source) {
            guard let l = GDALDatasetGetLayer(source, i) else { continue }
            if let layer, String(cString: OGR_L_GetName(l)) != layer { continue }
            let crs: CRS
            if let srs = OGR_L_GetSpatialRef(l) { crs = try CRS(copying: srs, subject: path) } else { crs = try CRS("OGC:CRS84") }
            if crs != grid.crs { same = false }
        }
        if same { return nil }
        let box = [grid.originX, grid.originY - Double(grid.height) * grid.pixelSize, grid.originX + Double(grid.width) * grid.pixelSize, grid.originY]
        var args = ["-f", "Memory", "-t_srs", grid.crs.wkt, "-spat_srs", grid.crs.wkt, "-spat"] + box.map { "\($0)" }
        if let layer { args.append(layer) }
        GDALRuntime.resetError()
        var sources: [GDALDatasetH?] = [source]
        var usageError: Int32 = 0
        let copy = CStringArray(args).withPointer { argv -> GDALDatasetH? in
            guard let options = GDALVectorTranslateOptionsNew(argv, nil) else { return nil }
            defer { GDALVectorTranslateOptionsFree(options) }
            return GDALVectorTranslate("", nil, 1, &sources, options, &usageError)
        }
        guard let copy else {
            throw RasterError(.crs, operation: "reproject features into \(grid.crs)", subject: path, message: GDALRuntime.lastErrorMessage())
        }
        return copy
    }
}
