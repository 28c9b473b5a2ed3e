import Foundation
import ShardFormat
import TestSupport
import Testing

/// Runs the built `inspect-shards` executable.
func inspectShards(_ arguments: [String]) throws -> TestEnvironment.Outcome {
    try TestEnvironment.runProduct("inspect-shards", arguments)
}

/// A small dataset with two sensors in UTM 31N, made without real data.
func syntheticDataset(records: Int = 6) throws -> String {
    let dir = TestEnvironment.temporaryDirectory() + "/dataset"
    let sensors = [SensorSchema(name: "s2", bands: ["b4", "b3", "b2"], dtype: .u16, gsd: 10, shape: [3, 16, 16]),
                   SensorSchema(name: "s1", bands: ["vv"], dtype: .f32, gsd: 20, shape: [1, 8, 8])]
    let writer = try DatasetWriter(directory: dir, sensors: sensors, sharding: ShardingOptions(maxRecords: 2))
    let encoder = RecordEncoder()
    for i in 0..<records {
        let x = 500_000 + Double(i) * 160
        let s2 = (0..<(3 * 256)).flatMap { v in withUnsafeBytes(of: UInt16(v * 7 + i).littleEndian, Array.init) }
        let s1 = (0..<64).flatMap { v in withUnsafeBytes(of: Float(v) / 10 - Float(i), Array.init) }
        let meta = RecordMetadata(
            key: "r\(i)", cell: [i, 0], split: i % 3 == 2 ? "val" : "train", footprint: BoundingBox(minX: x, minY: 4_999_840, maxX: x + 160, maxY: 5_000_000),
            crs: CRSDefinition(epsg: 32631),
            sensors: [SensorMetadata(sensor: "s2", bands: sensors[0].bands, dtype: .u16, shape: [3, 16, 16],
                                     geotransform: GeoTransform([x, 10, 0, 5_000_000, 0, -10]), crs: CRSDefinition(epsg: 32631), acquired: "2020-0\(i + 1)-01T10:00:00Z"),
                      SensorMetadata(sensor: "s1", bands: ["vv"], dtype: .f32, shape: [1, 8, 8],
                                     geotransform: GeoTransform([x, 20, 0, 5_000_000, 0, -20]), crs: CRSDefinition(epsg: 32631))],
            attributes: ["labels": .strings(["Forest"])])
        try writer.append(try encoder.encode(Record(metadata: meta, arrays: [s2, s1])))
    }
    _ = try writer.finish(name: "synthetic", grid: GridInfo(crs: "EPSG:32631", patchSize: 160, stride: 160), manifest: nil, inputs: [])
    return dir
}

@Suite("inspect-shards command line")
struct InspectShardsCLITests {
    @Test("Every subcommand has --help; no arguments, unknown subcommands and bad options exit 2")
    func helpAndUsage() throws {
        for sub in ["summary", "ls", "show", "verify", "stats", "quicklook", "export", "footprints"] {
            let r = try inspectShards([sub, "--help"])
            #expect(r.status == 0 && r.output.contains("Usage: inspect-shards \(sub)"), "\(sub)")
        }
        #expect(try inspectShards([]).status == 2)
        #expect(try inspectShards(["--help"]).status == 0)
        #expect(try inspectShards(["frobnicate"]).status == 2)
        #expect(try inspectShards(["summary"]).status == 2)
        #expect(try inspectShards(["summary", "/tmp", "--bogus"]).status == 2)
        let missing = try inspectShards(["summary", "/nonexistent/dataset"])
        #expect(missing.status == 1 && missing.errors.contains("/nonexistent/dataset"))
    }

    @Test("summary, ls, show and stats describe the dataset")
    func describe() throws {
        let dir = try syntheticDataset()
        let summary = try inspectShards(["summary", dir, "--json"])
        #expect(summary.status == 0)
        struct S: Decodable { let records: Int; let splits: [String: Int]; let acquired: [String]; let crs: [String] }
        let s = try JSONDecoder().decode(S.self, from: Data(summary.output.utf8))
        #expect(s.records == 6 && s.splits == ["train": 4, "val": 2])
        #expect(s.acquired == ["2020-01-01T10:00:00Z", "2020-06-01T10:00:00Z"] && s.crs == ["EPSG:32631"])
        #expect(try inspectShards(["summary", dir]).output.contains("ratio"))
        let ls = try inspectShards(["ls", dir, "--split", "val"])
        #expect(ls.status == 0 && ls.output.split(separator: "\n").count == 2 && ls.output.contains("r2\tval"))
        let show = try inspectShards(["show", dir, "r3"])
        #expect(show.status == 0 && show.output.contains("labels: Forest") && show.output.contains("data frame"))
        #expect(try inspectShards(["show", dir, "nope"]).status != 0)
        let stats = try inspectShards(["stats", dir, "--json"])
        let table = try JSONDecoder().decode([String: [BandStatistics]].self, from: Data(stats.output.utf8))
        #expect(table["s2"]?.count == 3 && table["s2"]?[0].count == 6 * 256)
    }

    @Test("verify is sound on a fresh dataset and names the damaged shard and record otherwise")
    func verifyDetectsDamage() throws {
        let dir = try syntheticDataset()
        #expect(try inspectShards(["verify", dir]).status == 0)
        let index = try DatasetIndex.load(directory: dir)
        let shard = try ShardReader(path: "\(dir)/\(index.shards[1].file)")
        let frame = shard.entries[1].frames[0]
        let path = "\(dir)/\(index.shards[1].file)"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[frame.offset + frame.size / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try inspectShards(["verify", dir])
        #expect(r.status == 1)
        #expect(r.output.contains("DAMAGED \(index.shards[1].file), record 1 (\(shard.entries[1].key))"))
    }

    @Test("quicklook writes a PNG; footprints write GeoJSON with one feature per record")
    func quicklookAndFootprints() throws {
        let dir = try syntheticDataset()
        let png = dir + "/r0.png"
        let q = try inspectShards(["quicklook", dir, "r0", "--out", png, "--bands", "s2=1,2,3", "--height", "64"])
        #expect(q.status == 0, "\(q.errors)")
        let header = Array(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8))
        #expect(header == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try inspectShards(["quicklook", dir, "r0", "--out", png, "--bands", "s2=9"]).status == 1)

        let geojson = dir + "/footprints.geojson"
        #expect(try inspectShards(["footprints", dir, "--out", geojson]).status == 0)
        struct FC: Decodable { struct F: Decodable { let properties: [String: String] }; let features: [F] }
        let fc = try JSONDecoder().decode(FC.self, from: Data(contentsOf: URL(fileURLWithPath: geojson)))
        #expect(fc.features.count == 6)
        #expect(Set(fc.features.map { $0.properties["key"] ?? "" }) == Set((0..<6).map { "r\($0)" }))
        #expect(fc.features.allSatisfy { $0.properties["sensors"] == "s2,s1" })
        let gpkg = dir + "/footprints.gpkg"
        #expect(try inspectShards(["footprints", dir, "--out", gpkg]).status == 0)
        #expect(FileManager.default.fileExists(atPath: gpkg))
    }
}
