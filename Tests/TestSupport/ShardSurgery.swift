import ShardFormat

/// Edits shard files the way a hostile party would, written from DATASETS.md ("Shard files")
/// rather than from the reader: parse a shard into its fields, change any of them, and write it
/// back with every checksum recomputed, so that only the reader's own checks of the numbers stand
/// between an edit and a crash. ``repairChecksums(_:)`` does the same for arbitrary bytes.
public struct ShardSurgery {
    public struct Frame {
        public var sensorIndex: UInt16
        public var kind: UInt8
        public var filter: UInt8
        public var dtype: UInt8
        public var channels: UInt32
        public var height: UInt32
        public var width: UInt32
        /// Compressed bytes of the frame.
        public var bytes: [UInt8]
    }

    public struct Record {
        public var key: String
        /// The record header JSON.
        public var header: [UInt8]
        public var frames: [Frame]
        /// One 65-byte placement per data frame (geotransform, valid fraction, acquired time).
        public var placements: [[UInt8]]
    }

    public var sensors: [String]
    /// Each sensor's band names.
    public var bands: [[String]]
    public var records: [Record]

    /// Parses a well-formed shard (as written by GeoPairs).
    public init(_ bytes: [UInt8]) throws {
        var tail = Cursor(bytes: bytes, at: bytes.count - 32)
        let footerOffset = Int(try tail.u64())
        var r = Cursor(bytes: bytes, at: footerOffset + 4)
        let count = Int(try r.u32())
        var names: [String] = [], bandNames: [[String]] = []
        for _ in 0..<Int(try r.u16()) {
            names.append(try r.string())
            bandNames.append(try (0..<Int(try r.u16())).map { _ in try r.string() })
        }
        (sensors, bands) = (names, bandNames)
        records = try (0..<count).map { _ in
            let offset = Int(try r.u64()), headerLength = Int(try r.u32())
            let key = try r.string()
            let frames = try (0..<Int(try r.u16())).map { _ in
                let sensor = try r.u16(), kind = try r.u8(), filter = try r.u8(), dtype = try r.u8()
                let c = try r.u32(), h = try r.u32(), w = try r.u32()
                let at = Int(try r.u64()), size = Int(try r.u64())
                _ = try r.u32()
                return Frame(sensorIndex: sensor, kind: kind, filter: filter, dtype: dtype, channels: c, height: h, width: w,
                             bytes: Array(bytes[at..<(at + size)]))
            }
            let placements = try frames.filter { $0.kind == 0 }.map { _ in try r.bytes(65) }
            return Record(key: key, header: Array(bytes[(offset + 8)..<(offset + 8 + headerLength)]), frames: frames, placements: placements)
        }
    }

    /// The shard's bytes: layout, offsets and every CRC-32 computed from the fields.
    public func serialized() -> [UInt8] {
        var out = Array("GPSHARD\0".utf8) + Self.le(2, 4) + Self.le(0, 4)
        var footer = Array("GPIX".utf8) + Self.le(UInt64(records.count), 4) + Self.le(UInt64(sensors.count), 2)
        func string(_ s: String) -> [UInt8] { Self.le(UInt64(s.utf8.count), 2) + Array(s.utf8) }
        for (s, names) in zip(sensors, bands) { footer += string(s) + Self.le(UInt64(names.count), 2) + names.flatMap(string) }
        for record in records {
            footer += Self.le(UInt64(out.count), 8) + Self.le(UInt64(record.header.count), 4)
                + Self.le(UInt64(record.key.utf8.count), 2) + Array(record.key.utf8) + Self.le(UInt64(record.frames.count), 2)
            out += Array("GPRC".utf8) + Self.le(UInt64(record.header.count), 4) + record.header + Self.le(UInt64(Self.crc(record.header)), 4)
            for f in record.frames {
                footer += Self.le(UInt64(f.sensorIndex), 2) + [f.kind, f.filter, f.dtype] + Self.le(UInt64(f.channels), 4)
                    + Self.le(UInt64(f.height), 4) + Self.le(UInt64(f.width), 4) + Self.le(UInt64(out.count), 8)
                    + Self.le(UInt64(f.bytes.count), 8) + Self.le(UInt64(Self.crc(f.bytes)), 4)
                out += f.bytes
            }
            footer += record.placements.flatMap { $0 }
        }
        let footerOffset = out.count
        out += footer
        out += Self.le(UInt64(footerOffset), 8) + Self.le(UInt64(footer.count), 8) + Self.le(UInt64(Self.crc(footer)), 4)
        out += Self.le(2, 4) + Array("GPSHARD\0".utf8)
        return out
    }

    /// Recomputes, in place and as far as the bytes allow, every checksum of a possibly mangled
    /// shard: each record header's and frame's CRC-32 at the places its footer names, then the
    /// footer's own. Nothing is validated: whatever cannot be located is left as it is.
    public static func repairChecksums(_ bytes: inout [UInt8]) {
        guard bytes.count >= 48 else { return }
        var tail = Cursor(bytes: bytes, at: bytes.count - 32)
        guard let footerOffset = try? tail.u64(), let footerLength = try? tail.u64(),
              footerOffset <= UInt64(bytes.count), footerLength <= UInt64(bytes.count) - footerOffset else { return }
        let footerStart = Int(footerOffset), footerEnd = Int(footerOffset + footerLength)
        var r = Cursor(bytes: bytes, at: footerStart + 4, end: footerEnd)
        func inFile(_ at: UInt64, _ n: UInt64) -> Bool { at <= UInt64(bytes.count) && n <= UInt64(bytes.count) - at }
        walk: do {
            guard let count = try? r.u32(), let sensorCount = try? r.u16() else { break walk }
            for _ in 0..<sensorCount {
                guard (try? r.string()) != nil, let bandCount = try? r.u16() else { break walk }
                for _ in 0..<bandCount { guard (try? r.string()) != nil else { break walk } }
            }
            for _ in 0..<min(count, 1 << 20) {
                guard let offset = try? r.u64(), let headerLength = try? r.u32(), (try? r.string()) != nil,
                      let frameCount = try? r.u16() else { break walk }
                let headerEnd = offset &+ 8 &+ UInt64(headerLength)
                if offset <= UInt64(bytes.count), inFile(offset &+ 8, UInt64(headerLength) + 4), headerEnd >= offset {
                    let crc = Self.crc(Array(bytes[Int(offset + 8)..<Int(headerEnd)]))
                    bytes.replaceSubrange(Int(headerEnd)..<Int(headerEnd + 4), with: Self.le(UInt64(crc), 4))
                }
                var dataFrames = 0
                for _ in 0..<frameCount {
                    guard let kind = try? r.kind(), r.skip(14), let at = try? r.u64(), let size = try? r.u64() else { break walk }
                    if kind == 0 { dataFrames += 1 }
                    if inFile(at, size), r.position + 4 <= footerEnd {
                        let crc = Self.crc(Array(bytes[Int(at)..<Int(at + size)]))
                        bytes.replaceSubrange(r.position..<(r.position + 4), with: Self.le(UInt64(crc), 4))
                    }
                    guard r.skip(4) else { break walk }
                }
                guard r.skip(65 * dataFrames) else { break walk }
            }
        }
        let crc = Self.crc(Array(bytes[footerStart..<footerEnd]))
        bytes.replaceSubrange((bytes.count - 16)..<(bytes.count - 12), with: Self.le(UInt64(crc), 4))
    }

    public static func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    static func crc(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { CRC32.checksum($0) } }

    /// Little-endian reads that fail instead of trapping.
    struct Cursor {
        struct OutOfBounds: Error {}
        let bytes: [UInt8]
        var position: Int
        let end: Int

        init(bytes: [UInt8], at position: Int, end: Int? = nil) {
            self.bytes = bytes
            self.position = position
            self.end = min(end ?? bytes.count, bytes.count)
        }

        mutating func skip(_ n: Int) -> Bool {
            guard position >= 0, n <= end - position else { return false }
            position += n
            return true
        }

        mutating func uint(_ n: Int) throws -> UInt64 {
            guard position >= 0, n <= end - position else { throw OutOfBounds() }
            defer { position += n }
            return (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[position + $1]) << (8 * UInt64($1)) }
        }

        mutating func u8() throws -> UInt8 { UInt8(try uint(1)) }
        /// A frame descriptor's sensor index and kind: the kind.
        mutating func kind() throws -> UInt8 {
            _ = try u16()
            return try u8()
        }
        mutating func bytes(_ n: Int) throws -> [UInt8] {
            guard position >= 0, n <= end - position else { throw OutOfBounds() }
            defer { position += n }
            return Array(bytes[position..<(position + n)])
        }
        mutating func u16() throws -> UInt16 { UInt16(try uint(2)) }
        mutating func u32() throws -> UInt32 { UInt32(try uint(4)) }
        mutating func u64() throws -> UInt64 { try uint(8) }

        mutating func string() throws -> String {
            let n = Int(try u16())
            guard n <= end - position else { throw OutOfBounds() }
            defer { position += n }
            return String(decoding: bytes[position..<(position + n)], as: UTF8.self)
        }
    }
}
