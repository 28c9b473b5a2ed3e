import CGDAL

/// A polygon with string attributes, for ``VectorWriter``.
public struct PolygonFeature: Sendable {
    public var ring: [Coordinate]
    public var attributes: [(name: String, value: String)]

    public init(ring: [Coordinate], attributes: [(name: String, value: String)]) {
        self.ring = ring
        self.attributes = attributes
    }
}

/// Writes polygon layers through OGR (`GeoJSON` or `GPKG`, chosen by the file extension).
public enum VectorWriter {
    /// Writes one layer of polygons in `crs`; attribute fields are taken from the first feature.
    public static func writePolygons(path: String, layer: String, crs: CRS, features: [PolygonFeature]) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        let lower = path.lowercased()
        let driverName = lower.hasSuffix(".gpkg") ? "GPKG" : lower.hasSuffix(".geojson") || lower.hasSuffix(".json") ? "GeoJSON" : ""
        guard !driverName.isEmpty, let driver = GDALGetDriverByName(driverName) else {
            throw RasterError(.open, operation: "choose vector format", subject: path, message: "use a .geojson or .gpkg file name")
        }
        GDALRuntime.resetError()
        guard let dataset = GDALCreate(driver, path, 0, 0, 0, GDT_Unknown, nil) else {
            throw RasterError(.open, operation: "create \(driverName) file", subject: path, message: GDALRuntime.lastErrorMessage())
        }
        defer { GDALClose(dataset) }
        let fields = features.first?.attributes.map(\.name) ?? []
        try crs.withHandle { (srs) throws(RasterError) in
            guard let layerHandle = GDALDatasetCreateLayer(dataset, layer, srs, wkbPolygon, nil) else {
                throw RasterError(.open, operation: "create layer", subject: path, message: GDALRuntime.lastErrorMessage())
            }
            for name in fields {
                let field = OGR_Fld_Create(name, OFTString)
                defer { OGR_Fld_Destroy(field) }
                guard OGR_L_CreateField(layerHandle, field, 1) == OGRERR_NONE else {
                    throw RasterError(.open, operation: "create field \(name)", subject: path, message: GDALRuntime.lastErrorMessage())
                }
            }
            let definition = OGR_L_GetLayerDefn(layerHandle)
            for feature in features {
                let f = OGR_F_Create(definition)
                defer { OGR_F_Destroy(f) }
                for (i, attribute) in feature.attributes.enumerated() where i < fields.count {
                    OGR_F_SetFieldString(f, Int32(i), attribute.value)
                }
                let polygon = OGR_G_CreateGeometry(wkbPolygon)
                let ring = OGR_G_CreateGeometry(wkbLinearRing)
                for p in feature.ring + feature.ring.prefix(1) { OGR_G_AddPoint_2D(ring, p.x, p.y) }
                OGR_G_AddGeometryDirectly(polygon, ring)
                OGR_F_SetGeometryDirectly(f, polygon)
                guard OGR_L_CreateFeature(layerHandle, f) == OGRERR_NONE else {
                    throw RasterError(.open, operation: "write feature", subject: path, message: GDALRuntime.lastErrorMessage())
                }
            }
        }
    }
}
