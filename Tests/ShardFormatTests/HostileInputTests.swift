import Foundation
import FuzzHarness
import ShardFormat
import Testing
import TestSupport

/// Files a broken disk, a half-synced bucket or a hostile party could produce, with every checksum
/// valid: each gives a typed error naming the file and field, never a trap or an out-of-bounds read.
@Suite("Hostile shards and dataset.json with valid checksums")
struct HostileInputTests {
    /// A random dataset and its first shard, parsed for editing.
    static func dataset() throws -> (dir: String, shardPath: String, shard: ShardSurgery) {
        let (dir, _) = try RandomDataset.write(count: 6, sharding: ShardingOptions(targetBytes: 1 << 30))
        let index = try DatasetIndex.load(directory: dir)
        let path = "\(dir)/\(index.shards[0].file)"
        return (dir, path, try ShardSurgery(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// Writes an edited shard and fixes dataset.json's size and SHA-256 for it, so that only the
    /// reader's checks of the numbers can refuse it.
    static func install(_ shard: ShardSurgery, at path: String, in dir: String) throws {
        let bytes = shard.serialized()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try editIndex(dir) { index in
            let i = index.shards.firstIndex { path.hasSuffix($0.file) }!
            index.shards[i].bytes = bytes.count
            index.shards[i].sha256 = try DatasetVerifier.sha256(of: FileByteSource(path: path))
        }
    }

    /// Rewrites dataset.json through its JSON object (so that fields can take any JSON value).
    static func editJSON(_ dir: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        let url = URL(fileURLWithPath: "\(dir)/dataset.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        try edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    static func editIndex(_ dir: String, _ edit: (inout DatasetIndex) throws -> Void) throws {
        let url = URL(fileURLWithPath: "\(dir)/dataset.json")
        var index = try JSONDecoder().decode(DatasetIndex.self, from: Data(contentsOf: url))
        try edit(&index)
        try Data(try index.encoded()).write(to: url)
    }

    /// Opening the dataset fails with a ShardError whose text contains `expected`, and verify
    /// reports a problem instead of crashing.
    static func expectRefused(_ dir: String, mentioning expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: ShardError.self, sourceLocation: sourceLocation) { try DatasetReader(directory: dir) }
        #expect(error.map { "\($0)".contains(expected) } == true, "\(String(describing: error)) does not mention \(expected)",
                sourceLocation: sourceLocation)
        let report = DatasetVerifier.verify(directory: dir)
        #expect(!report.isSound, sourceLocation: sourceLocation)
    }

    @Test("A frame of 0xFFFFFFFF³ elements (footer CRC valid) is refused by the reader and by verify")
    func hugeFrameDimensions() throws {
        var (dir, path, shard) = try Self.dataset()
        shard.records[0].frames[0].channels = .max
        shard.records[0].frames[0].height = .max
        shard.records[0].frames[0].width = .max
        try Self.install(shard, at: path, in: dir)
        let error = #expect(throws: ShardError.self) { try ShardReader(path: path) }
        #expect(error?.kind == .tooLarge)
        Self.expectRefused(dir, mentioning: "exceeds the limit")
    }

    @Test("Zero dimensions, masks unlike their data, duplicate frames and keys are refused")
    func inconsistentFooters() throws {
        let edits: [(String, (inout ShardSurgery) -> Void)] = [
            ("is empty", { $0.records[0].frames[0].height = 0 }),
            ("two", { $0.records[0].frames.append($0.records[0].frames[0]) }),
            ("appears twice in the shard", { $0.records[1].key = $0.records[0].key }),
            ("appears twice in the sensor table", { $0.sensors[1] = $0.sensors[0] }),
            ("outside the sensor table", { $0.records[0].frames[0].sensorIndex = 99 }),
        ]
        for (expected, edit) in edits {
            var (dir, path, shard) = try Self.dataset()
            edit(&shard)
            try Self.install(shard, at: path, in: dir)
            let error = #expect(throws: ShardError.self, "\(expected)") { try ShardReader(path: path) }
            #expect(error.map { $0.message.contains(expected) } == true, "\(String(describing: error))")
            Self.expectRefused(dir, mentioning: expected)
        }
        // A mask whose dimensions differ from its data frame's.
        var (dir, path, shard) = try Self.dataset()
        let (r, m) = try #require(shard.records.indices.lazy.compactMap { r in
            shard.records[r].frames.firstIndex { $0.kind == 1 }.map { (r, $0) } }.first)
        shard.records[r].frames[m].width += 1
        try Self.install(shard, at: path, in: dir)
        let error = #expect(throws: ShardError.self) { try ShardReader(path: path) }
        #expect(error?.message.contains("expected u8 1×") == true)
    }

    @Test("A record header that disagrees with the index, or is malformed, is refused when it is read")
    func headerDisagreesWithFooter() throws {
        let replacements: [(String, String, String)] = [
            ("\"cell\":[", "\"cell\":[7,", "cell has 3 numbers"),
            ("\"footprint\":[", "\"footprint\":[1,", "footprint is not 4"),
            ("\"s2\":{", "\"s9\":{", "sensor s2 has a data frame but no header entry"),
            ("\"split\":", "\"split\":1,\"x\":", "not valid JSON"),
            ("\"s2\":{", "\"s2\":{\"window\":[5,0,1,9],", "s2's window is not [minX, minY, maxX, maxY]"),
            ("\"s2\":{", "\"s2\":{\"window\":[0,0,1],", "s2's window is not [minX, minY, maxX, maxY]"),
        ]
        for (from, to, expected) in replacements {
            var (dir, path, shard) = try Self.dataset()
            let text = String(decoding: shard.records[0].header, as: UTF8.self)
            #expect(text.contains(from), "fixture lacks \(from)")
            shard.records[0].header = Array(text.replacingOccurrences(of: from, with: to).utf8)
            try Self.install(shard, at: path, in: dir)
            let reader = try ShardReader(path: path)
            let error = #expect(throws: ShardError.self, "\(from) → \(to)") { try reader.metadata(at: 0) }
            #expect(error?.kind == .corrupt && error?.message.contains(expected) == true, "\(String(describing: error))")
            #expect(!DatasetVerifier.verify(directory: dir).isSound)
        }
    }

    @Test("Placements in the index that are not finite, not a fraction or not a time are refused when the shard opens")
    func hostilePlacements() throws {
        let nan = ShardSurgery.le(Double.nan.bitPattern, 8), two = ShardSurgery.le(2.0.bitPattern, 8)
        let edits: [(Int, [UInt8], String)] = [
            (8, nan, "geotransform is not 6 finite numbers"),
            (48, two, "valid fraction 2.0 outside 0…1"),
            (64, [7], "acquisition precision 7"),
            (56, ShardSurgery.le(UInt64(bitPattern: Int64.max), 8) + [2], "is not a time of years 1…9999"),
            (56, ShardSurgery.le(3600, 8) + [1], "is not a date"),
        ]
        for (offset, bytes, expected) in edits {
            var (dir, path, shard) = try Self.dataset()
            shard.records[0].placements[0].replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            try Self.install(shard, at: path, in: dir)
            let error = #expect(throws: ShardError.self) { try ShardReader(path: path) }
            #expect(error?.kind == .corrupt && error?.message.contains(expected) == true, "\(String(describing: error))")
        }
    }

    @Test("Hostile dataset.json fields are named when the dataset is opened")
    func hostileIndexFields() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("sensors[0].shape", { Self.setSensor(&$0, 0, "shape", [-1, 4, 4]) }),
            ("sensors[0].shape", { Self.setSensor(&$0, 0, "shape", [1, 2]) }),
            ("sensors[0].shape", { Self.setSensor(&$0, 0, "shape", [Int.max, Int.max, 2]) }),
            ("sensors[1].gsd", { Self.setSensor(&$0, 1, "gsd", 0) }),
            ("sensors[1].gsd", { Self.setSensor(&$0, 1, "gsd", 7) }),
            ("sensors[2].bands", { Self.setSensor(&$0, 2, "bands", ["a", "b"]) }),
            ("sensors[0].timeStep", { Self.setSensor(&$0, 0, "timeStep", ["series": "x", "index": 5, "steps": 2]) }),
            ("time series x lists 1 of its 2 steps", {
                Self.setSensor(&$0, 0, "name", "x.t0")
                Self.setSensor(&$0, 0, "timeStep", ["series": "x", "index": 0, "steps": 2])
            }),
            ("grid.patchSize", { var g = $0["grid"] as! [String: Any]; g["patchSize"] = -160; $0["grid"] = g }),
            ("splits", { $0["splits"] = ["train": Int.max, "val": Int.max, "test": 2] }),
            ("shards[0].records", { Self.setShard(&$0, 0, "records", -1) }),
            ("shards[0].file", { Self.setShard(&$0, 0, "file", "../../etc/passwd") }),
            ("shards[0].file", { Self.setShard(&$0, 0, "file", "/dev/zero") }),
            ("shards[0].sha256", { Self.setShard(&$0, 0, "sha256", "zz") }),
        ]
        for (field, edit) in cases {
            let (dir, _) = try RandomDataset.write(count: 6)
            try Self.editJSON(dir, edit)
            let error = #expect(throws: ShardError.self, "\(field)") { try DatasetIndex.load(directory: dir) }
            #expect(error.map { $0.message.contains(field) && $0.file.hasSuffix("dataset.json") } == true, "\(String(describing: error))")
            Self.expectRefused(dir, mentioning: field)
        }
    }

    static func setSensor(_ object: inout [String: Any], _ i: Int, _ key: String, _ value: Any) {
        var sensors = object["sensors"] as! [[String: Any]]
        sensors[i][key] = value
        object["sensors"] = sensors
    }

    static func setShard(_ object: inout [String: Any], _ i: Int, _ key: String, _ value: Any) {
        var shards = object["shards"] as! [[String: Any]]
        shards[i][key] = value
        object["shards"] = shards
    }

    @Test("A shard reached through a symbolic link out of the dataset, or a FIFO, is refused without hanging")
    func linksAndSpecialFiles() throws {
        let (dir, _) = try RandomDataset.write(count: 6)
        let index = try DatasetIndex.load(directory: dir)
        let victim = "\(dir)/\(index.shards[0].file)"
        let outside = TestEnvironment.temporaryDirectory() + "/elsewhere.gpshard"
        try FileManager.default.moveItem(atPath: victim, toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: victim, withDestinationPath: outside)
        Self.expectRefused(dir, mentioning: "outside the dataset directory")

        try FileManager.default.removeItem(atPath: victim)
        #expect(mkfifo(victim, 0o600) == 0)
        let error = #expect(throws: ShardError.self) { try DatasetReader(directory: dir) }
        #expect(error?.message.contains("not a regular file") == true)
        #expect(!DatasetVerifier.verify(directory: dir).isSound)
    }

    @Test("A key in two shards is refused when the dataset is opened")
    func keyInTwoShards() throws {
        let (dir, _) = try RandomDataset.write(count: 6)
        let index = try DatasetIndex.load(directory: dir)
        let (a, b) = ("\(dir)/\(index.shards[0].file)", "\(dir)/\(index.shards[1].file)")
        var first = try ShardSurgery(Array(try Data(contentsOf: URL(fileURLWithPath: a))))
        let second = try ShardSurgery(Array(try Data(contentsOf: URL(fileURLWithPath: b))))
        let text = String(decoding: first.records[0].header, as: UTF8.self)
        first.records[0].header = Array(text.replacingOccurrences(of: first.records[0].key, with: second.records[0].key).utf8)
        first.records[0].key = second.records[0].key
        try Self.install(first, at: a, in: dir)
        Self.expectRefused(dir, mentioning: "the key is also record")
    }

    @Test("Mangled shards with repaired checksums never crash the reader or verify")
    func mangledShardsWithRepairedChecksums() throws {
        let (dir, path, shard) = try Self.dataset()
        let original = shard.serialized()
        var rng = SeededRandom(seed: 7)
        for round in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                // Favour the footer and small values, where sizes and counts live.
                let position = round % 2 == 0 ? at : bytes.count - 1 - Int.random(in: 0..<min(bytes.count, 600), using: &rng)
                bytes[position] = [0x00, 0xFF, 0x7F, 0x80, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0..<5, using: &rng)]
            }
            ShardSurgery.repairChecksums(&bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            FuzzHarness.readEverything(try FileByteSource(path: path))
            _ = DatasetVerifier.verify(directory: dir)
            _ = try? DatasetReader(directory: dir)
        }
    }
}
