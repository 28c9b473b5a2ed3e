import CGDAL

/// The extent of a vector file's features (`OGR_L_GetExtent` over every layer), in the CRS of its
/// first layer (`OGR_L_GetSpatialRef`; GeoJSON without one is WGS 84 longitude/latitude).
public func vectorExtent(path: String) throws(RasterError) -> (bounds: BoundingBox, crs: CRS) {
    GDALRuntime.ensureInitialized()
    GDALRuntime.resetError()
    guard let dataset = GDALOpenEx(path, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR), nil, nil, nil) else {
        throw RasterError(.open, operation: "open vector file", subject: path, message: GDALRuntime.lastErrorMessage())
    }
    defer { GDALClose(dataset) }
    var box: BoundingBox?
    var crs: CRS?
    for i in 0..<GDALDatasetGetLayerCount(dataset) {
        guard let layer = GDALDatasetGetLayer(dataset, i) else { continue }
        var envelope = OGREnvelope()
        guard OGR_L_GetExtent(layer, &envelope, 1) == OGRERR_NONE else { continue }
        let b = BoundingBox(minX: envelope.MinX, minY: envelope.MinY, maxX: envelope.MaxX, maxY: envelope.MaxY)
        box = box.map { $0.union(b) } ?? b
        if crs == nil, let srs = OGR_L_GetSpatialRef(layer) { crs = try CRS(copying: srs, subject: path) }
    }
    guard let box, !box.isEmpty else {
        throw RasterError(.open, operation: "read vector extent", subject: path, message: "the file has no features with an area")
    }
    if let crs { return (box, crs) }
    return (box, try CRS("OGC:CRS84"))
}
