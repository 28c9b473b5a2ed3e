import Foundation
import ShardFormat
import TestSupport

enum TrainerFixtures {
    /// A synthetic two-sensor dataset whose sensors see the same ground: `fine` (u16 2×8×8, 10 m)
    /// holds a random field and its square; `coarse` (f32 1×4×4, 20 m) the 2×2 means of the field
    /// plus noise. 20 train and 8 val records in shards of 7.
    /// - Parameter masked: in `fine`, even records of these splits have their top-left 4×4 pixels
    ///   invalid (a token that does not count), odd ones 8 of the 16 bottom-right pixels (half
    ///   valid: a token that still counts).
    static func correlatedDataset(train: Int = 20, val: Int = 8, masked: Set<String> = []) throws -> String {
        let dir = TestEnvironment.temporaryDirectory() + "/dataset"
        let sensors = [SensorSchema(name: "fine", bands: ["v", "v2"], dtype: .u16, gsd: 10, shape: [2, 8, 8]),
                       SensorSchema(name: "coarse", bands: ["m"], dtype: .f32, gsd: 20, shape: [1, 4, 4])]
        let writer = try DatasetWriter(directory: dir, sensors: sensors, sharding: ShardingOptions(maxRecords: 7))
        let encoder = RecordEncoder()
        var g = SeededRandom(seed: 77)
        for i in 0..<(train + val) {
            let field = (0..<64).map { _ in Double.random(in: 0...100, using: &g) }
            let fine = field.map { UInt16($0) } + field.map { UInt16($0 * $0 / 100) }
            let coarse = (0..<16).map { c -> Float in
                let (y, x) = (c / 4 * 2, c % 4 * 2)
                let mean = (field[y * 8 + x] + field[y * 8 + x + 1] + field[y * 8 + x + 8] + field[y * 8 + x + 9]) / 4
                return Float(mean + Double.random(in: -5...5, using: &g))
            }
            let x = Double(i) * 80
            var mask: [UInt8]?
            if masked.contains(i < train ? "train" : "val") {
                var m = [UInt8](repeating: 1, count: 64)
                let pixels = i % 2 == 0 ? (0..<16).map { ($0 / 4) * 8 + $0 % 4 } : (0..<8).map { (4 + $0 / 4) * 8 + 4 + $0 % 4 }
                for p in pixels { m[p] = 0 }
                mask = m
            }
            let fineValid = Double(mask?.filter { $0 != 0 }.count ?? 64) / 64
            let meta = RecordMetadata(
                key: String(format: "r%03d", i), cell: [i, 0], split: i < train ? "train" : "val", footprint: BoundingBox(minX: x, minY: 0, maxX: x + 80, maxY: 80),
                crs: CRSDefinition(epsg: 32631),
                sensors: [SensorMetadata(sensor: "fine", bands: ["v", "v2"], dtype: .u16, shape: [2, 8, 8], geotransform: GeoTransform([x, 10, 0, 80, 0, -10]), crs: CRSDefinition(epsg: 32631),
                                         validFraction: fineValid),
                          SensorMetadata(sensor: "coarse", bands: ["m"], dtype: .f32, shape: [1, 4, 4], geotransform: GeoTransform([x, 20, 0, 80, 0, -20]), crs: CRSDefinition(epsg: 32631))])
            let a = fine.flatMap { v in [UInt8(v & 0xFF), UInt8(v >> 8)] }
            let b = coarse.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
            try writer.append(try encoder.encode(Record(metadata: meta, arrays: [a, b], masks: [mask, nil])))
        }
        _ = try writer.finish(name: "correlated", grid: GridInfo(crs: "EPSG:32631", patchSize: 80, stride: 80), manifest: nil, inputs: [])
        return dir
    }
}
