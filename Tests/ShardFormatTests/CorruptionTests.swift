import Foundation
import ShardFormat
import TestSupport
import Testing

/// Reads everything in a shard the way a consumer would: index, every header, every frame.
private func readEverything(_ path: String) throws {
    let shard = try ShardReader(path: path)
    let codec = ZstdCodec()
    var scratch: [UInt8] = []
    for i in 0..<shard.recordCount {
        _ = try shard.metadata(at: i)
        for frame in shard.entries[i].frames {
            var out = [UInt8](repeating: 0, count: frame.rawSize)
            try out.withUnsafeMutableBytes { try shard.read(frame, into: $0, codec: codec, scratch: &scratch) }
        }
    }
}

@Suite("Corrupt, truncated and hostile shards")
struct CorruptionTests {
    /// A small dataset with one shard of three records.
    static func smallDataset() throws -> (dir: String, shard: String, bytes: [UInt8]) {
        let (dir, _) = try RandomDataset.write(count: 3, sharding: ShardingOptions(targetBytes: 1 << 30), options: EncodingOptions(level: 1))
        let index = try DatasetIndex.load(directory: dir)
        #expect(index.shards.count == 3)  // one record per split
        let shard = "\(dir)/\(index.shards[0].file)"
        return (dir, shard, Array(try Data(contentsOf: URL(fileURLWithPath: shard))))
    }

    @Test("Flipping any single byte is detected by the reader and by verify, which names the shard")
    func everyByteFlip() throws {
        let (dir, shard, original) = try Self.smallDataset()
        try readEverything(shard)
        #expect(DatasetVerifier.verify(directory: dir).isSound)
        let reader = try ShardReader(path: shard)
        let frameRanges = reader.entries.flatMap { e in e.frames.map { (e.key, $0.offset..<($0.offset + $0.size)) } }
        var undetected: [Int] = []
        for position in 0..<original.count {
            var damaged = original
            damaged[position] ^= 0x5A
            try Data(damaged).write(to: URL(fileURLWithPath: shard))
            if (try? readEverything(shard)) != nil { undetected.append(position) }
            // verify is slower (SHA-256 of the file); check it on every 7th byte and in every frame.
            let inFrame = frameRanges.first { $0.1.contains(position) }
            if position % 7 == 0 || inFrame != nil {
                let report = DatasetVerifier.verify(directory: dir)
                #expect(!report.isSound, "byte \(position) not detected by verify")
                #expect(report.problems.allSatisfy { $0.file.hasPrefix("shards/") })
                if let (key, _) = inFrame {
                    #expect(report.problems.contains { $0.location.contains(key) }, "byte \(position): damaged record not named")
                }
            }
        }
        try Data(original).write(to: URL(fileURLWithPath: shard))
        #expect(undetected.isEmpty, "undetected flips at \(undetected.prefix(20))")
        #expect(DatasetVerifier.verify(directory: dir).isSound)
    }

    @Test("Truncation at any offset gives an error, never a crash")
    func truncation() throws {
        let (_, shard, original) = try Self.smallDataset()
        for length in Set([0, 1, 8, 15, 16, 17, 40, original.count / 3, original.count / 2, original.count - 33,
                           original.count - 32, original.count - 31, original.count - 1]).sorted() {
            try Data(original[..<length]).write(to: URL(fileURLWithPath: shard))
            #expect(throws: ShardError.self, "length \(length)") { try readEverything(shard) }
        }
    }

    /// A shard made of a header, the given footer bytes and a trailer with a correct CRC-32.
    static func handcraftedShard(footer: [UInt8]) throws -> String {
        var bytes = Array("GPSHARD\0".utf8) + le(UInt32(1), 4) + le(UInt32(0), 4)
        let footerOffset = bytes.count
        bytes += footer
        bytes += le(UInt64(footerOffset), 8) + le(UInt64(footer.count), 8) + le(UInt64(CRC32.checksum(footer)), 4)
        bytes += le(UInt32(1), 4) + Array("GPSHARD\0".utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).gpshard").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func le(_ v: some FixedWidthInteger, _ n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: UInt64(v) >> (8 * UInt64($0))) }
    }

    @Test("Hostile footers with valid checksums: huge counts and sizes give typed errors without allocating them")
    func hostileFooters() throws {
        let magic = Array("GPIX".utf8)
        // 4 billion records declared in a tiny footer.
        let hugeCount = magic + Self.le(UInt32.max, 4) + Self.le(UInt16(0), 2)
        #expect(throws: ShardError.self) { try ShardReader(path: try Self.handcraftedShard(footer: hugeCount)) }
        // One record whose frame claims 2^31 × 2^31 × 2^31 elements.
        let record = Self.le(UInt64(16), 8) + Self.le(UInt32(0), 4) + Self.le(UInt16(1), 2) + Array("k".utf8)
            + Self.le(UInt16(1), 2) + Self.le(UInt16(0), 2) + [0, 0, 5] + Self.le(UInt32(1 << 31), 4)
            + Self.le(UInt32(1 << 31), 4) + Self.le(UInt32(1 << 31), 4) + Self.le(UInt64(40), 8) + Self.le(UInt64(1 << 40), 8) + Self.le(UInt32(0), 4)
        let hugeFrame = magic + Self.le(UInt32(1), 4) + Self.le(UInt16(1), 2) + Self.le(UInt16(1), 2) + Array("a".utf8) + record
        let error = #expect(throws: ShardError.self) { try ShardReader(path: try Self.handcraftedShard(footer: hugeFrame)) }
        #expect(error?.kind == .corrupt || error?.kind == .tooLarge)
        // A header length beyond the cap.
        let hugeHeader = magic + Self.le(UInt32(1), 4) + Self.le(UInt16(0), 2)
            + Self.le(UInt64(16), 8) + Self.le(UInt32.max, 4) + Self.le(UInt16(1), 2) + Array("k".utf8) + Self.le(UInt16(0), 2)
        #expect(throws: ShardError.self) { try ShardReader(path: try Self.handcraftedShard(footer: hugeHeader)) }
    }

    @Test("A shard missing from the directory is named when the dataset is opened")
    func missingShard() throws {
        let (dir, _) = try RandomDataset.write(count: 6)
        let index = try DatasetIndex.load(directory: dir)
        try FileManager.default.removeItem(atPath: "\(dir)/\(index.shards[1].file)")
        let error = #expect(throws: ShardError.self) { try DatasetReader(directory: dir) }
        #expect(error?.file.hasSuffix(index.shards[1].file) == true)
        let report = DatasetVerifier.verify(directory: dir)
        #expect(report.problems.contains { $0.file == index.shards[1].file })
    }
}
