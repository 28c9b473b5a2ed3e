import Foundation
import GeoRaster
import ShardFormat

/// `inspect-shards footprints`: every record's ground footprint as a polygon layer (GeoJSON or
/// GeoPackage through OGR) with key, split and sensors as attributes.
public enum FootprintExporter {
    /// Writes the footprints; records whose grid CRS differs from the first record's (per-scene UTM
    /// zones) are transformed into it. Returns the number of features.
    @discardableResult
    public static func export(reader: DatasetReader, output: String) throws -> Int {
        var features: [PolygonFeature] = []
        var layerCRS: CRS?
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            let crs = try CRS(meta.crs)
            let target = layerCRS ?? crs
            layerCRS = target
            var footprint = Footprint(crs: crs, box: meta.footprint, pointsPerEdge: 5)
            if crs != target { footprint = try footprint.transformed(to: target) }
            features.append(PolygonFeature(ring: footprint.ring, attributes: [
                ("key", meta.key), ("split", meta.split), ("sensors", meta.sensors.map(\.sensor).joined(separator: ",")),
            ]))
        }
        guard let layerCRS else {
            throw ShardError(.notFound, file: reader.directory, message: "the dataset has no records")
        }
        try? FileManager.default.removeItem(atPath: output)
        try VectorWriter.writePolygons(path: output, layer: "footprints", crs: layerCRS, features: features)
        return features.count
    }
}
