import Foundation
import GeoRaster
import ShardFormat

/// `inspect-shards export`: one georeferenced GeoTIFF per sensor of a record, with the record's
/// geotransform, CRS, band names, nodata and validity mask, so the sensors overlay in a GIS.
public enum RecordExporter {
    /// Writes `<folder>/<sensor>.tif` for every sensor of the record; returns the paths.
    public static func export(reader: DatasetReader, key: String, folder: String) throws -> [String] {
        let (location, meta) = try RecordLookup.find(reader: reader, key: key)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let codec = ZstdCodec()
        var paths: [String] = []
        for sensor in meta.sensors {
            let data = try reader.readArray(at: location, sensor: sensor.sensor, codec: codec)
            let hasMask = try reader.shards[location.shard].frame(record: location.record, sensor: sensor.sensor, kind: .mask) != nil
            let mask = hasMask ? try reader.readArray(at: location, sensor: sensor.sensor, kind: .mask, codec: codec) : nil
            let path = (folder as NSString).appendingPathComponent("\(sensor.sensor).tif")
            try RasterWriter.writeGeoTIFF(
                path: path, width: sensor.shape[2], height: sensor.shape[1], dataType: sensor.dtype, bytes: data, bandNames: sensor.bands,
                geoTransform: sensor.geotransform, crs: try CRS(sensor.crs), nodata: sensor.nodata, mask: mask)
            paths.append(path)
        }
        return paths
    }
}

/// Finds a record by key with an error that says so.
enum RecordLookup {
    static func find(reader: DatasetReader, key: String) throws -> (DatasetReader.Location, RecordMetadata) {
        guard let location = reader.locate(key: key) else {
            throw ShardError(.notFound, file: reader.directory, message: "no record with key \"\(key)\" (see `inspect-shards ls`)")
        }
        return (location, try reader.metadata(at: location))
    }
}
