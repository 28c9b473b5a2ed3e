import Foundation
import ShardFormat
import TestSupport
import Testing

@Suite("inspect-shards and train-msad on hostile datasets")
struct HostileDatasetCLITests {
    /// The synthetic dataset with its first shard's first frame claiming 0xFFFFFFFF³ elements, every
    /// checksum (footer CRC, dataset.json size and SHA-256) recomputed.
    static func hugeFrameDataset() throws -> String {
        let dir = try syntheticDataset()
        let url = URL(fileURLWithPath: "\(dir)/dataset.json")
        var index = try JSONDecoder().decode(DatasetIndex.self, from: Data(contentsOf: url))
        let path = "\(dir)/\(index.shards[0].file)"
        var shard = try ShardSurgery(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        shard.records[0].frames[0].channels = .max
        shard.records[0].frames[0].height = .max
        shard.records[0].frames[0].width = .max
        let bytes = shard.serialized()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        index.shards[0].bytes = bytes.count
        index.shards[0].sha256 = try DatasetVerifier.sha256(of: FileByteSource(path: path))
        try Data(try index.encoded()).write(to: url)
        return dir
    }

    @Test("Every subcommand exits 1 with a message naming the shard, never by a signal")
    func hugeFrame() throws {
        let dir = try Self.hugeFrameDataset()
        let out = TestEnvironment.temporaryDirectory()
        for args in [["verify", dir], ["summary", dir], ["ls", dir], ["show", dir, "r0"],
                     ["export", dir, "r0", "--out", out + "/x"], ["quicklook", dir, "r0", "--out", out + "/q.png"],
                     ["footprints", dir, "--out", out + "/f.geojson"]] {
            let r = try inspectShards(args)
            #expect(r.status == 1, "\(args[0]) exited \(r.status): \(r.errors)")
            #expect(r.errors.contains("shards/") || r.output.contains("shards/"), "\(args[0]) does not name the shard: \(r.errors)")
        }
        // stats reads only dataset.json, which is sound here.
        #expect(try inspectShards(["stats", dir]).status == 0)
        let train = try TestEnvironment.runProduct("train-msad", ["train", dir, "--sensors", "s2,s1", "--out", out + "/run", "--steps", "1", "--batch", "2"])
        #expect(train.status == 1 && train.errors.contains("exceeds the limit"), "\(train.status): \(train.errors)")
    }

    @Test("train-msad refuses a dataset.json whose sensor shape is [-1, 4, 4] or [1, 2], naming the field")
    func badShapes() throws {
        for shape in [[-1, 4, 4], [1, 2]] {
            let dir = try syntheticDataset()
            let url = URL(fileURLWithPath: "\(dir)/dataset.json")
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var sensors = object["sensors"] as! [[String: Any]]
            sensors[1]["shape"] = shape
            object["sensors"] = sensors
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            let out = TestEnvironment.temporaryDirectory()
            let r = try TestEnvironment.runProduct("train-msad", ["train", dir, "--sensors", "s2,s1", "--out", out + "/run", "--steps", "1", "--batch", "2"])
            #expect(r.status == 1 && r.errors.contains("sensors[1].shape"), "\(shape): \(r.status) \(r.errors)")
        }
    }
}
