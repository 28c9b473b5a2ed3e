import Foundation
import ShardFormat

/// Random records over every dtype, several shapes, masks and attributes.
public enum RandomDataset {
    public static let sensors: [SensorSchema] = [
        SensorSchema(name: "opt", bands: ["r", "g", "b"], dtype: .u8, gsd: 10, shape: [3, 16, 16]),
        SensorSchema(name: "s2", bands: ["b2", "b3", "b4", "b8"], dtype: .u16, gsd: 20, shape: [4, 8, 8]),
        SensorSchema(name: "dem", bands: ["h"], dtype: .i16, gsd: 40, shape: [1, 4, 4]),
        SensorSchema(name: "lc", bands: ["class"], dtype: .i32, gsd: 20, shape: [1, 8, 8], role: "label"),
        SensorSchema(name: "s1", bands: ["vv", "vh"], dtype: .f32, gsd: 20, shape: [2, 8, 8]),
        // Non-square pixels (no single gsd): 5 rows of 32 m × 3 columns of 53.3 m over the 160 m patch.
        SensorSchema(name: "ndvi", bands: ["ndvi"], dtype: .f64, shape: [1, 5, 3]),
    ]
    /// Ground size of every patch (the grid's patch size).
    public static let patchSize = 160.0

    /// Little-endian bytes of `count` random values of a dtype (smooth-ish, like imagery).
    public static func array(_ dtype: DType, count: Int, rng: inout SeededRandom) -> [UInt8] {
        var w = [UInt8]()
        var level = Double.random(in: 0...1000, using: &rng)
        for _ in 0..<count {
            level += Double.random(in: -20...20, using: &rng)
            switch dtype {
            case .u8: w.append(UInt8(truncatingIfNeeded: Int(level)))
            case .i16: withUnsafeBytes(of: Int16(truncatingIfNeeded: Int(level)).littleEndian) { w += $0 }
            case .u16: withUnsafeBytes(of: UInt16(truncatingIfNeeded: Int(level)).littleEndian) { w += $0 }
            case .i32: withUnsafeBytes(of: Int32(truncatingIfNeeded: Int(level)).littleEndian) { w += $0 }
            case .f32: withUnsafeBytes(of: Float(level / 7).bitPattern.littleEndian) { w += $0 }
            case .f64: withUnsafeBytes(of: (level / 7).bitPattern.littleEndian) { w += $0 }
            }
        }
        return w
    }

    /// A random record; some sensors absent, some with masks (and a NaN in float data when masked).
    public static func record(_ i: Int, rng: inout SeededRandom, splits: [String] = ["train", "val", "test"]) -> Record {
        var metas: [SensorMetadata] = []
        var arrays: [[UInt8]] = []
        var masks: [[UInt8]?] = []
        for s in sensors where i % 5 == 0 || Bool.random(using: &rng) || s.name == "s2" {
            let (c, h, w) = (s.shape[0], s.shape[1], s.shape[2])
            var array = self.array(s.dtype, count: c * h * w, rng: &rng)
            var mask: [UInt8]? = nil
            if Bool.random(using: &rng) {
                mask = (0..<(h * w)).map { _ in Int.random(in: 0..<10, using: &rng) == 0 ? 0 : 1 }
                if s.dtype == .f32, let hole = mask!.firstIndex(of: 0) {
                    withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { array.replaceSubrange((hole * 4)..<(hole * 4 + 4), with: $0) }
                }
            }
            let x0 = Double(i) * 160, y0 = 5_000_000.0
            metas.append(SensorMetadata(
                sensor: s.name, bands: s.bands, dtype: s.dtype, shape: s.shape,
                geotransform: GeoTransform([x0, patchSize / Double(w), 0, y0, 0, -patchSize / Double(h)]), crs: CRSDefinition(epsg: 32631), nodata: s.dtype == .i16 ? -32768 : nil,
                validFraction: mask.map { Double($0.filter { $0 == 1 }.count) / Double($0.count) } ?? 1,
                acquired: i % 3 == 0 ? "2021-05-27T11:06:21Z" : nil, sources: [[i % 4]]))
            arrays.append(array)
            masks.append(mask)
        }
        let meta = RecordMetadata(
            key: String(format: "cell-%05d", i), cell: [i % 37, i / 37], split: splits[i % splits.count],
            footprint: BoundingBox(minX: Double(i) * 160, minY: 4_999_840, maxX: Double(i) * 160 + 160, maxY: 5_000_000), crs: CRSDefinition(epsg: 32631), sensors: metas,
            attributes: i % 2 == 0 ? ["labels": .strings(["Forest", "Pastures"]), "cloud": .number(Double(i % 7) / 10), "tile": .string("31TCJ")] : [:])
        return Record(metadata: meta, arrays: arrays, masks: masks)
    }

    /// Writes `count` random records into a fresh dataset directory; returns it and the records.
    @discardableResult
    public static func write(count: Int, seed: UInt64 = 42, directory: String? = nil, sharding: ShardingOptions = ShardingOptions(maxRecords: 7),
                      options: EncodingOptions = EncodingOptions()) throws -> (directory: String, records: [Record]) {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("gp-\(UUID().uuidString)").path
        var rng = SeededRandom(seed: seed)
        let records = (0..<count).map { record($0, rng: &rng) }
        let writer = try DatasetWriter(directory: dir, sensors: sensors, sharding: sharding)
        let encoder = RecordEncoder(options: options)
        for r in records { try writer.append(try encoder.encode(r)) }
        _ = try writer.finish(name: "random", grid: GridInfo(crs: "EPSG:32631", patchSize: patchSize, stride: patchSize),
                              manifest: .object(["name": .string("random")]),
                              inputs: (0..<4).map { InputFile(path: "scenes/scene\($0).tif", bytes: 1000 + $0) })
        return (dir, records)
    }
}
