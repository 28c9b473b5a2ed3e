import Foundation
import PairLoader
import ShardFormat
import TestSupport

enum LoaderFixtures {
    /// A dataset whose records say who they are: sensor `a` (u16 2×8×8, 10 m) holds the record
    /// number in every pixel of band 0 and a gradient in band 1; sensor `b` (f32 1×4×4, 20 m) the
    /// record number plus 0.5. 37 train records in shards of 5, plus 6 val records.
    static func numberedDataset(train: Int = 37, names: (String, String) = ("a", "b")) throws -> String {
        let dir = TestEnvironment.temporaryDirectory() + "/dataset"
        let sensors = [SensorSchema(name: names.0, bands: ["id", "ramp"], dtype: .u16, gsd: 10, shape: [2, 8, 8]),
                       SensorSchema(name: names.1, bands: ["id"], dtype: .f32, gsd: 20, shape: [1, 4, 4])]
        let writer = try DatasetWriter(directory: dir, sensors: sensors, sharding: ShardingOptions(maxRecords: 5))
        let encoder = RecordEncoder()
        for i in 0..<(train + 6) {
            let x = Double(i) * 80
            let a: [UInt8] = (0..<64).flatMap { _ in le(UInt16(i)) } + (0..<64).flatMap { p in le(UInt16(p)) }
            let b: [UInt8] = (0..<16).flatMap { _ in withUnsafeBytes(of: (Float(i) + 0.5).bitPattern.littleEndian, Array.init) }
            let meta = RecordMetadata(
                key: String(format: "r%03d", i), cell: [i, 0], split: i < train ? "train" : "val", footprint: BoundingBox(minX: x, minY: 0, maxX: x + 80, maxY: 80),
                crs: CRSDefinition(epsg: 32631),
                sensors: [SensorMetadata(sensor: names.0, bands: ["id", "ramp"], dtype: .u16, shape: [2, 8, 8], geotransform: GeoTransform([x, 10, 0, 80, 0, -10]), crs: CRSDefinition(epsg: 32631)),
                          SensorMetadata(sensor: names.1, bands: ["id"], dtype: .f32, shape: [1, 4, 4], geotransform: GeoTransform([x, 20, 0, 80, 0, -20]), crs: CRSDefinition(epsg: 32631))],
                attributes: ["n": .number(Double(i))])
            try writer.append(try encoder.encode(Record(metadata: meta, arrays: [a, b])))
        }
        _ = try writer.finish(name: "numbered", grid: GridInfo(crs: "EPSG:32631", patchSize: 80, stride: 80), manifest: nil, inputs: [])
        return dir
    }

    static func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    /// Eight train records of two non-square u16 sensors without a gsd (pixels are not square):
    /// `wide` 1×3×5 and `tall` 1×5×3, each pixel holding `row · 10 + column`.
    static func nonSquareDataset() throws -> String {
        let dir = TestEnvironment.temporaryDirectory() + "/nonsquare"
        let shapes = [("wide", 3, 5), ("tall", 5, 3)]
        let sensors = shapes.map { SensorSchema(name: $0.0, bands: ["v"], dtype: .u16, shape: [1, $0.1, $0.2]) }
        let writer = try DatasetWriter(directory: dir, sensors: sensors)
        let encoder = RecordEncoder()
        for i in 0..<8 {
            let x = Double(i) * 30
            let metas = shapes.map { name, h, w in
                SensorMetadata(sensor: name, bands: ["v"], dtype: .u16, shape: [1, h, w], geotransform: GeoTransform([x, 30 / Double(w), 0, 30, 0, -30 / Double(h)]),
                               crs: CRSDefinition(epsg: 32631))
            }
            let arrays = shapes.map { _, h, w in (0..<(h * w)).flatMap { le(UInt16(($0 / w) * 10 + $0 % w)) } }
            let meta = RecordMetadata(key: "n\(i)", cell: [i, 0], split: "train", footprint: BoundingBox(minX: x, minY: 0, maxX: x + 30, maxY: 30), crs: CRSDefinition(epsg: 32631), sensors: metas)
            try writer.append(try encoder.encode(Record(metadata: meta, arrays: arrays)))
        }
        _ = try writer.finish(name: "nonsquare", grid: GridInfo(crs: "EPSG:32631", patchSize: 30, stride: 30), manifest: nil, inputs: [])
        return dir
    }

    /// All batches of the current epoch (keys, padding flags, tensor contents).
    static func drain(_ loader: PairLoader) throws -> [(keys: [String], padding: [Bool], a: [Float], b: [Float])] {
        var out: [(keys: [String], padding: [Bool], a: [Float], b: [Float])] = []
        try loader.forEach { batch in
            out.append((batch.keys, batch.isPadding, batch["a"]!.values, batch["b"]?.values ?? []))
        }
        return out
    }
}
