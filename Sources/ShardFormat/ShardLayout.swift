/// Constants and limits of the shard file layout (see DATASETS.md, "Shard files").
public enum ShardLayout {
    /// Format version written in the file header and trailer.
    public static let version: UInt32 = 2
    /// Versions readers accept: 1 (JSON headers hold everything) and 2 (the index holds each
    /// patch's placement and the sensors' band names; headers only the rest).
    public static let readableVersions: ClosedRange<UInt32> = 1...2
    /// First 8 bytes of a shard file, and last 8 bytes of its trailer.
    static let fileMagic: [UInt8] = Array("GPSHARD\0".utf8)
    /// First 4 bytes of every record.
    static let recordMagic: [UInt8] = Array("GPRC".utf8)
    /// First 4 bytes of the footer index.
    static let footerMagic: [UInt8] = Array("GPIX".utf8)
    /// Header: magic (8) + version (u32) + reserved (u32).
    static let headerSize = 16
    /// Trailer: footer offset (u64) + footer length (u64) + footer CRC-32 (u32) + version (u32) + magic (8).
    static let trailerSize = 32
    /// Record prefix before the JSON header: magic (4) + JSON length (u32).
    static let recordPrefixSize = 8
    /// Shard file extension.
    public static let fileExtension = "gpshard"
}

/// Safety caps a reader applies before trusting any size read from a file.
public struct ReaderLimits: Sendable {
    /// Largest record JSON header accepted.
    public var maxHeaderBytes: Int
    /// Largest decoded array (one frame) accepted.
    public var maxFrameBytes: Int
    /// Largest footer index accepted.
    public var maxFooterBytes: Int
    /// Largest `dataset.json` accepted.
    public var maxIndexBytes: Int

    public init(maxHeaderBytes: Int = 16 << 20, maxFrameBytes: Int = 2 << 30, maxFooterBytes: Int = 1 << 30,
                maxIndexBytes: Int = 1 << 30) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxFrameBytes = maxFrameBytes
        self.maxFooterBytes = maxFooterBytes
        self.maxIndexBytes = maxIndexBytes
    }
}

/// What a frame holds: a sensor's array, or its validity mask.
public enum FrameKind: UInt8, Sendable, Codable {
    case data = 0
    case mask = 1
}

/// Where one frame lies in a shard and how to decode it (an entry of the footer index).
public struct FrameDescriptor: Sendable, Equatable {
    /// Index into the shard's sensor table.
    public var sensorIndex: Int
    public var kind: FrameKind
    public var filter: FrameFilter
    public var dtype: DType
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Absolute byte offset of the zstd frame in the shard file.
    public var offset: Int
    /// Compressed size in bytes.
    public var size: Int
    /// CRC-32 of the compressed bytes: catches damage anywhere in the frame, zstd's own frame
    /// header included (zstd's content checksum covers only the decoded content).
    public var crc32: UInt32

    /// Decoded size: channels × height × width × element size.
    public var rawSize: Int { channels * height * width * dtype.size }
}

/// One record's entry in the footer index.
public struct IndexEntry: Sendable, Equatable {
    public var key: String
    /// Absolute offset of the record's magic.
    public var offset: Int
    /// Length of the record's JSON header.
    public var headerLength: Int
    public var frames: [FrameDescriptor]
    /// Format 2: one placement per data frame, in frame order; empty in format 1.
    public var placements: [PatchPlacement]

    /// Offset of the JSON header.
    var headerOffset: Int { offset + ShardLayout.recordPrefixSize }
    /// Offset of the JSON header's CRC-32 (right after the header).
    var headerChecksumOffset: Int { headerOffset + headerLength }
    /// End of the record (after its last frame).
    var end: Int { (frames.map { $0.offset + $0.size }.max()) ?? (headerChecksumOffset + 4) }
}

/// The footer index: sensor table plus one entry per record.
struct Footer: Equatable {
    var sensors: [String]
    /// Format 2: each sensor's band names; empty lists in format 1.
    var bands: [[String]]
    var entries: [IndexEntry]

    /// The format-2 footer.
    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.raw(ShardLayout.footerMagic)
        w.u32(UInt32(entries.count))
        w.u16(UInt16(sensors.count))
        for (s, names) in zip(sensors, bands) {
            w.string(s)
            w.u16(UInt16(names.count))
            for b in names { w.string(b) }
        }
        for e in entries {
            w.u64(UInt64(e.offset))
            w.u32(UInt32(e.headerLength))
            w.string(e.key)
            w.u16(UInt16(e.frames.count))
            for f in e.frames {
                w.u16(UInt16(f.sensorIndex))
                w.u8(f.kind.rawValue)
                w.u8(f.filter.code)
                w.u8(f.dtype.code)
                w.u32(UInt32(f.channels))
                w.u32(UInt32(f.height))
                w.u32(UInt32(f.width))
                w.u64(UInt64(f.offset))
                w.u64(UInt64(f.size))
                w.u32(f.crc32)
            }
            for p in e.placements { p.encode(into: &w) }
        }
        return w.bytes
    }

    /// The largest possible ratio of a zstd frame's content to its size (a 4-byte RLE block per 128 KiB).
    static let maxExpansion = 32_768

    /// Parses a footer, checking every offset and size against the file and the limits.
    static func parse(_ bytes: [UInt8], version: UInt32, footerOffset: Int, file: String, limits: ReaderLimits) throws -> Footer {
        var r = ByteCursor(bytes, file: file, part: "footer index")
        try r.expect(ShardLayout.footerMagic, what: "footer")
        let count = Int(try r.u32())
        // Each entry takes at least 8 + 4 + 2 + 2 bytes: a count larger than that allows is corrupt.
        guard count <= r.remaining / 16 else {
            throw ShardError(.corrupt, file: file, location: "footer index", message: "declares \(count) records, too many for its size")
        }
        let sensorCount = Int(try r.u16())
        var sensors: [String] = []
        var bands: [[String]] = []
        for _ in 0..<sensorCount {
            let name = try r.string()
            guard !sensors.contains(name) else {
                throw ShardError(.corrupt, file: file, location: "footer index", message: "sensor \"\(name)\" appears twice in the sensor table")
            }
            sensors.append(name)
            var names: [String] = []
            if version >= 2 {
                let count = Int(try r.u16())
                for _ in 0..<count { names.append(try r.string()) }
                guard count > 0 else {
                    throw ShardError(.corrupt, file: file, location: "footer index", message: "sensor \"\(name)\" has no bands")
                }
            }
            bands.append(names)
        }
        var entries: [IndexEntry] = []
        entries.reserveCapacity(count)
        var keys: Set<String> = []
        var previousEnd = ShardLayout.headerSize
        for i in 0..<count {
            let place = "record \(i)"
            func bad(_ message: String) -> ShardError { ShardError(.corrupt, file: file, location: place, message: message) }
            let offset = try r.length(limit: footerOffset, what: "record offset")
            let headerLength = Int(try r.u32())
            let key = try r.string()
            guard headerLength <= limits.maxHeaderBytes else {
                throw ShardError(.tooLarge, file: file, location: place, message: "header of \(headerLength) bytes exceeds the limit")
            }
            guard offset == previousEnd else { throw bad("record offset \(offset), expected \(previousEnd)") }
            guard keys.insert(key).inserted else { throw bad("key \"\(key)\" appears twice in the shard") }
            let frameCount = Int(try r.u16())
            var frames: [FrameDescriptor] = []
            var cursor = offset + ShardLayout.recordPrefixSize + headerLength + 4
            for _ in 0..<frameCount {
                let sensorIndex = Int(try r.u16())
                guard let kind = FrameKind(rawValue: try r.u8()) else { throw bad("unknown frame kind") }
                guard let filter = FrameFilter(code: try r.u8()) else { throw bad("unknown frame filter") }
                let dtypeCode = try r.u8()
                guard let dtype = DType.allCases.first(where: { $0.code == dtypeCode }) else { throw bad("unknown dtype code \(dtypeCode)") }
                let channels = Int(try r.u32()), height = Int(try r.u32()), width = Int(try r.u32())
                let frameOffset = try r.length(limit: footerOffset, what: "frame offset")
                let size = try r.length(limit: footerOffset, what: "frame size")
                let crc = try r.u32()
                guard sensorIndex < sensors.count else { throw bad("sensor index \(sensorIndex) outside the sensor table") }
                let what = "\(sensors[sensorIndex]) \(kind) frame"
                guard channels > 0, height > 0, width > 0 else { throw bad("\(what) of \(channels)×\(height)×\(width) is empty") }
                guard let raw = Checked.product(channels, height, width, dtype.size), raw <= limits.maxFrameBytes else {
                    throw ShardError(.tooLarge, file: file, location: place, message: "\(what) of \(channels)×\(height)×\(width) exceeds the limit")
                }
                // zstd stores at most 128 KiB per 4-byte RLE block, so no frame expands more than
                // 32768-fold: a declared size beyond that is a lie, and would size a buffer from nothing.
                guard let most = Checked.product(size, Self.maxExpansion), raw <= most else {
                    throw bad("\(what) of \(size) bytes cannot hold \(raw) bytes")
                }
                guard frameOffset == cursor, size <= footerOffset - frameOffset else {
                    throw bad("frame at \(frameOffset)+\(size) does not follow the record layout")
                }
                guard !frames.contains(where: { $0.sensorIndex == sensorIndex && $0.kind == kind }) else { throw bad("two \(what)s") }
                if version >= 2, kind == .data, channels != bands[sensorIndex].count {
                    throw bad("\(what) has \(channels) channels, the sensor table names \(bands[sensorIndex].count) bands")
                }
                if kind == .mask {
                    // A mask is one u8 plane over its sensor's data frame, which comes first.
                    guard let data = frames.first(where: { $0.sensorIndex == sensorIndex && $0.kind == .data }) else {
                        throw bad("\(what) without a data frame before it")
                    }
                    guard dtype == .u8, channels == 1, height == data.height, width == data.width else {
                        throw bad("\(what) is \(dtype) \(channels)×\(height)×\(width), expected u8 1×\(data.height)×\(data.width)")
                    }
                }
                cursor = frameOffset + size
                frames.append(FrameDescriptor(sensorIndex: sensorIndex, kind: kind, filter: filter, dtype: dtype,
                                              channels: channels, height: height, width: width, offset: frameOffset, size: size, crc32: crc))
            }
            guard cursor <= footerOffset else { throw bad("record runs into the footer") }
            var placements: [PatchPlacement] = []
            if version >= 2 {
                for frame in frames where frame.kind == .data {
                    switch try PatchPlacement.parse(&r) {
                    case .success(let p): placements.append(p)
                    case .failure(let problem): throw bad("\(sensors[frame.sensorIndex]): \(problem.message)")
                    }
                }
            }
            previousEnd = cursor
            entries.append(IndexEntry(key: key, offset: offset, headerLength: headerLength, frames: frames, placements: placements))
        }
        guard previousEnd == footerOffset else {
            throw ShardError(.corrupt, file: file, location: "footer index",
                             message: "records end at \(previousEnd), the footer starts at \(footerOffset)")
        }
        guard r.remaining == 0 else {
            throw ShardError(.corrupt, file: file, location: "footer index", message: "\(r.remaining) unexpected bytes at its end")
        }
        return Footer(sensors: sensors, bands: bands, entries: entries)
    }
}
