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

    @Test("Every frame decoded by read_shards.py equals the Swift reader's", .enabled(if: pythonHasModules))
    func pythonMatchesSwift() throws {
        let filters: [DType: FrameFilter] = [.u8: .deltaShuffle, .i16: .shuffle, .u16: .deltaShuffle, .i32: .none, .f32: .deltaShuffle, .f64: .shuffle]
        let (dir, records) = try RandomDataset.write(count: 25, options: EncodingOptions(filters: filters))
        let result = try TestEnvironment.run("python3", ["\(TestEnvironment.repositoryRoot)/Scripts/read_shards.py", dir])
        #expect(result.status == 0, "\(result.errors)")
        struct Line: Decodable { let key, sensor, kind, sha256: String; let shape: [Int] }
        let lines = try result.output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        var expected: [String: String] = [:]
        for r in records {
            for (i, s) in r.metadata.sensors.enumerated() {
                expected["\(r.metadata.key)/\(s.sensor)/data"] = SHA256.hex(r.arrays[i])
                if let mask = r.masks[i] { expected["\(r.metadata.key)/\(s.sensor)/mask"] = SHA256.hex(mask) }
            }
        }
        #expect(lines.count == expected.count)
        for line in lines {
            #expect(expected["\(line.key)/\(line.sensor)/\(line.kind)"] == line.sha256, "\(line.key) \(line.sensor) \(line.kind)")
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
