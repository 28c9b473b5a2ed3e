import Foundation
import ShardFormat
import TestSupport
import Testing

/// The Python reader in Scripts/ was written from DATASETS.md alone; its decoded arrays must
/// equal the Swift reader's for every frame of a dataset covering every dtype, filter and mask.
@Suite("Independent Python reader")
struct PythonReaderTests {
    static var pythonHasModules: Bool {
        TestEnvironment.pythonCanImport("numpy, zstandard", else: "the Python reader test (run Scripts/setup.sh)")
    }

    struct Line: Decodable {
        let key, split, sensor, kind, sha256: String
        let shape: [Int]
        let geotransform: [Double]?
        let validFraction: Double?
        let acquired: String?
        let bands: [String]?
    }

    static func readWithPython(_ dir: String) throws -> [Line] {
        let result = try TestEnvironment.run("python3", ["\(TestEnvironment.repositoryRoot)/Scripts/read_shards.py", dir])
        #expect(result.status == 0, "\(result.errors)")
        return try result.output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    @Test("Every frame and placement read by read_shards.py equals what was written", .enabled(if: pythonHasModules))
    func pythonMatchesSwift() throws {
        let filters: [DType: FrameFilter] = [.u8: .deltaShuffle, .i16: .shuffle, .u16: .deltaShuffle, .i32: .none, .f32: .deltaShuffle, .f64: .shuffle]
        let (dir, records) = try RandomDataset.write(count: 25, options: EncodingOptions(filters: filters))
        let lines = try Self.readWithPython(dir)
        var expected: [String: String] = [:]
        var sensors: [String: (split: String, sensor: SensorMetadata)] = [:]
        for r in records {
            for (i, s) in r.metadata.sensors.enumerated() {
                expected["\(r.metadata.key)/\(s.sensor)/data"] = SHA256.hex(r.arrays[i])
                if let mask = r.masks[i] { expected["\(r.metadata.key)/\(s.sensor)/mask"] = SHA256.hex(mask) }
                sensors["\(r.metadata.key)/\(s.sensor)"] = (r.metadata.split, s)
            }
        }
        #expect(lines.count == expected.count)
        for line in lines {
            #expect(expected["\(line.key)/\(line.sensor)/\(line.kind)"] == line.sha256, "\(line.key) \(line.sensor) \(line.kind)")
            guard line.kind == "data", let (split, s) = sensors["\(line.key)/\(line.sensor)"] else { continue }
            #expect(line.split == split && line.geotransform == s.geotransform.coefficients && line.validFraction == s.validFraction
                    && line.acquired == s.acquired && line.bands == s.bands, "\(line.key) \(line.sensor)")
        }
    }

    @Test("read_shards.py reads the format-1 fixture like the Swift reader", .enabled(if: pythonHasModules))
    func pythonReadsFormat1() throws {
        let dir = "\(TestEnvironment.repositoryRoot)/Tests/Fixtures/v1-dataset"
        let lines = try Self.readWithPython(dir)
        let reader = try DatasetReader(directory: dir)
        let codec = ZstdCodec()
        #expect(lines.count == 9)
        for line in lines {
            let location = try #require(reader.locate(key: line.key))
            let kind: FrameKind = line.kind == "mask" ? .mask : .data
            #expect(SHA256.hex(try reader.readArray(at: location, sensor: line.sensor, kind: kind, codec: codec)) == line.sha256)
            if kind == .data {
                let s = try #require(try reader.metadata(at: location).sensor(line.sensor))
                #expect(line.geotransform == s.geotransform.coefficients && line.validFraction == s.validFraction && line.bands == s.bands)
            }
        }
    }

    @Test("read_shards.py rejects a damaged shard", .enabled(if: pythonHasModules))
    func pythonDetectsDamage() throws {
        let (dir, _) = try RandomDataset.write(count: 5)
        let index = try DatasetIndex.load(directory: dir)
        let path = "\(dir)/\(index.shards[0].file)"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try TestEnvironment.run("python3", ["\(TestEnvironment.repositoryRoot)/Scripts/read_shards.py", dir])
        #expect(result.status != 0)
    }
}
