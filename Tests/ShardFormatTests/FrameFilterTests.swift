import Foundation
import ShardFormat
import TestSupport
import Testing

@Suite("Frame codec")
struct FrameCodecTests {
    @Test("Every filter round-trips every dtype through zstd", arguments: FrameFilter.allCases)
    func roundTrip(filter: FrameFilter) throws {
        var rng = SeededRandom(seed: 3)
        for dtype in DType.allCases {
            for (h, w) in [(1, 1), (7, 13), (32, 32)] {
                let record = Record(
                    metadata: RecordMetadata(key: "k", cell: [0, 0], split: "train", footprint: BoundingBox(minX: 0, minY: 0, maxX: 1, maxY: 1), crs: CRSDefinition(epsg: 4326),
                                             sensors: [SensorMetadata(sensor: "a", bands: ["x", "y"], dtype: dtype, shape: [2, h, w],
                                                                      geotransform: GeoTransform([0, 1, 0, 0, 0, -1]), crs: CRSDefinition(epsg: 4326))]),
                    arrays: [RandomDataset.array(dtype, count: 2 * h * w, rng: &rng)])
                let encoder = RecordEncoder(options: EncodingOptions(level: 1, filters: [dtype: filter]))
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("f-\(UUID().uuidString)").path
                let writer = try DatasetWriter(directory: dir, sensors: [SensorSchema(name: "a", bands: ["x", "y"], dtype: dtype, shape: [2, h, w])])
                try writer.append(try encoder.encode(record))
                _ = try writer.finish(name: "f", grid: nil, manifest: nil, inputs: [])
                let reader = try DatasetReader(directory: dir)
                let loc = try #require(reader.locate(key: "k"))
                #expect(try reader.shards[0].frame(record: 0, sensor: "a")?.filter == filter)
                #expect(try reader.readArray(at: loc, sensor: "a", codec: ZstdCodec()) == record.arrays[0], "\(dtype) \(h)×\(w)")
            }
        }
    }

    @Test("A frame whose declared size disagrees with zstd's is refused")
    func wrongSize() throws {
        let codec = ZstdCodec()
        let frame = try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try codec.compress($0) }
        var out = [UInt8](repeating: 0, count: 99)
        #expect(throws: ShardError.self) {
            try frame.withUnsafeBytes { f in try out.withUnsafeMutableBytes { try codec.decompress(f, into: $0) } }
        }
    }
}
