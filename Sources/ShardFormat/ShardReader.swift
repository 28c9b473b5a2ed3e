import Foundation

/// Random access to one shard: the footer index is read and checked once, then records' metadata
/// and single sensors' arrays are read on demand. Immutable and `pread`-based, so one reader can
/// serve many threads; decoding needs a per-thread ``ZstdCodec``.
public final class ShardReader: Sendable {
    public let source: any ByteSource
    /// The shard's sensor table.
    public let sensors: [String]
    /// Format version of the file (1 or 2).
    public let version: UInt32
    /// Format 2: each sensor's band names (empty lists in format 1).
    public let bands: [[String]]
    /// `dataset.json`'s input paths, to read format-1 headers' source paths as indices.
    private let inputs: [String]
    /// One entry per record, in file order.
    public let entries: [IndexEntry]
    public let limits: ReaderLimits
    private let keyIndex: [String: Int]

    /// Opens a local shard file.
    public convenience init(path: String, limits: ReaderLimits = ReaderLimits(), inputs: [String] = []) throws {
        try self.init(source: FileByteSource(path: path), limits: limits, inputs: inputs)
    }

    /// Opens a shard from any byte source; validates the header, trailer and footer index.
    /// - Parameter inputs: `dataset.json`'s input paths (only format-1 shards need them).
    public init(source: any ByteSource, limits: ReaderLimits = ReaderLimits(), inputs: [String] = []) throws {
        self.source = source
        self.limits = limits
        self.inputs = inputs
        let file = source.name
        guard source.size >= ShardLayout.headerSize + ShardLayout.trailerSize else {
            throw ShardError(.truncated, file: file, message: "\(source.size) bytes is too short for a shard")
        }
        var head = ByteCursor(try source.read(at: 0, count: ShardLayout.headerSize), file: file, part: "file header")
        try head.expect(ShardLayout.fileMagic, what: "shard")
        let version = try head.u32()
        let reserved = try head.u32()
        guard ShardLayout.readableVersions.contains(version), reserved == 0 else {
            throw ShardError(.badMagic, file: file, message: "format version \(version), this reader reads versions \(ShardLayout.readableVersions)")
        }
        self.version = version
        let trailerOffset = source.size - ShardLayout.trailerSize
        var tail = ByteCursor(try source.read(at: trailerOffset, count: ShardLayout.trailerSize), file: file, part: "trailer")
        let footerOffset = try tail.length(limit: trailerOffset, what: "footer offset")
        let footerLength = try tail.length(limit: limits.maxFooterBytes, what: "footer length")
        let footerCRC = try tail.u32()
        let trailerVersion = try tail.u32()
        try tail.expect(ShardLayout.fileMagic, what: "trailer")
        guard trailerVersion == version else {
            throw ShardError(.badMagic, file: file, location: "trailer", message: "format version \(trailerVersion), the header says \(version)")
        }
        guard footerOffset >= ShardLayout.headerSize, footerOffset + footerLength == trailerOffset else {
            throw ShardError(.corrupt, file: file, location: "trailer",
                             message: "footer \(footerOffset)+\(footerLength) does not end at the trailer (\(trailerOffset))")
        }
        let footerBytes = try source.read(at: footerOffset, count: footerLength)
        guard CRC32.checksum(footerBytes) == footerCRC else {
            throw ShardError(.checksumMismatch, file: file, location: "footer index", message: "CRC-32 mismatch")
        }
        let footer = try Footer.parse(footerBytes, version: version, footerOffset: footerOffset, file: file, limits: limits)
        sensors = footer.sensors
        bands = footer.bands
        entries = footer.entries
        var keys: [String: Int] = [:]
        for (i, e) in entries.enumerated() { keys[e.key] = i }
        keyIndex = keys
    }

    public var recordCount: Int { entries.count }

    /// Bytes of the records' JSON headers (with their magic, length and CRC-32) and of the footer
    /// index with the trailer: what the file spends besides frames.
    public var overheadBytes: (headers: Int, index: Int) {
        let headers = entries.reduce(0) { $0 + ShardLayout.recordPrefixSize + $1.headerLength + 4 }
        return (headers, source.size - (entries.last?.end ?? ShardLayout.headerSize))
    }

    /// The index of a record by key.
    public func index(of key: String) -> Int? { keyIndex[key] }

    private func entry(_ i: Int) throws -> IndexEntry {
        guard entries.indices.contains(i) else {
            throw ShardError(.notFound, file: source.name, message: "record \(i) of \(entries.count)")
        }
        return entries[i]
    }

    /// A record's metadata: its JSON header (magic and CRC-32 checked) joined with its index entry.
    public func metadata(at i: Int) throws -> RecordMetadata {
        let e = try entry(i)
        let bytes = try source.read(at: e.offset, count: ShardLayout.recordPrefixSize + e.headerLength + 4)
        return try parseHeader(bytes, entry: e, index: i)
    }

    /// Where a sensor's patch of a record lies, how much of it is valid and when it was acquired,
    /// or `nil` when the record lacks the sensor. Format 2 answers from the index without reading
    /// the file; format 1 reads the record's JSON header.
    public func placement(record i: Int, sensor: String) throws -> PatchPlacement? {
        let e = try entry(i)
        guard version >= 2 else {
            return try metadata(at: i).sensor(sensor).map {
                PatchPlacement(geotransform: $0.geotransform, validFraction: $0.validFraction,
                               acquired: $0.acquired.flatMap { AcquisitionTime(iso: $0) })
            }
        }
        guard let s = sensors.firstIndex(of: sensor) else { return nil }
        var n = 0
        for f in e.frames where f.kind == .data {
            if f.sensorIndex == s { return e.placements[n] }
            n += 1
        }
        return nil
    }

    /// Parses a record's prefix, JSON header and CRC-32, and joins the header with the index entry.
    func parseHeader(_ bytes: [UInt8], entry e: IndexEntry, index i: Int) throws -> RecordMetadata {
        let file = source.name
        let place = "record \(i) (\(e.key))"
        var r = ByteCursor(bytes, file: file, part: place)
        try r.expect(ShardLayout.recordMagic, what: "record")
        let length = Int(try r.u32())
        guard length == e.headerLength else {
            throw ShardError(.corrupt, file: file, location: place, message: "header length \(length) disagrees with the index (\(e.headerLength))")
        }
        let json = try r.bytes(length)
        let crc = try r.u32()
        guard CRC32.checksum(json) == crc else {
            throw ShardError(.checksumMismatch, file: file, location: place, message: "record header CRC-32 mismatch")
        }
        let record: Result<RecordMetadata, FormatProblem>
        do {
            if version >= 2 {
                record = try JSONDecoder().decode(RecordHeader.self, from: Data(json)).record(entry: e, sensors: sensors, bands: bands)
            } else {
                record = try JSONDecoder().decode(LegacyRecordHeader.self, from: Data(json)).record(entry: e, sensors: sensors, inputs: inputs)
            }
        } catch {
            throw ShardError(.corrupt, file: file, location: place, message: "record header is not valid JSON: \(error)")
        }
        switch record {
        case .success(let metadata): return metadata
        case .failure(let problem): throw ShardError(.corrupt, file: file, location: place, message: "record header: \(problem.message)")
        }
    }

    /// The descriptor of a sensor's frame in a record, or `nil` when the record lacks it.
    public func frame(record i: Int, sensor: String, kind: FrameKind = .data) throws -> FrameDescriptor? {
        let e = try entry(i)
        guard let s = sensors.firstIndex(of: sensor) else { return nil }
        return e.frames.first { $0.sensorIndex == s && $0.kind == kind }
    }

    /// Reads and decodes one frame into `destination` (exactly `descriptor.rawSize` bytes): reads
    /// only that frame's bytes, then decodes them as ``decode(_:compressed:into:codec:scratch:checkCRC:)``
    /// does. `scratch` is reused between calls to avoid allocations.
    public func read(_ descriptor: FrameDescriptor, into destination: UnsafeMutableRawBufferPointer,
                     codec: ZstdCodec, scratch: inout [UInt8], checkCRC: Bool = true) throws {
        let filtered = descriptor.filter == .none ? 0 : descriptor.rawSize
        if scratch.count < descriptor.size + filtered { scratch = [UInt8](repeating: 0, count: descriptor.size + filtered) }
        try scratch.withUnsafeMutableBytes { raw in
            let compressed = UnsafeMutableRawBufferPointer(rebasing: raw[0..<descriptor.size])
            try source.read(at: descriptor.offset, into: compressed)
            try decode(descriptor, compressed: UnsafeRawBufferPointer(compressed), into: destination, codec: codec,
                       filterBuffer: UnsafeMutableRawBufferPointer(rebasing: raw[descriptor.size..<(descriptor.size + filtered)]),
                       checkCRC: checkCRC)
        }
    }

    /// Decodes one frame from its compressed bytes: checks its CRC-32, decompresses (zstd verifies
    /// its content checksum) and reverses the filter.
    /// - Parameter checkCRC: skip the frame's CRC-32 only where speed matters more than finding
    ///   damage that leaves the content intact: zstd's content checksum still guarantees every
    ///   decoded byte, so a damaged frame can never come back as wrong data.
    public func decode(_ descriptor: FrameDescriptor, compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                       codec: ZstdCodec, scratch: inout [UInt8], checkCRC: Bool = true) throws {
        let filtered = descriptor.filter == .none ? 0 : descriptor.rawSize
        if scratch.count < filtered { scratch = [UInt8](repeating: 0, count: filtered) }
        try scratch.withUnsafeMutableBytes { raw in
            try decode(descriptor, compressed: compressed, into: destination, codec: codec,
                       filterBuffer: UnsafeMutableRawBufferPointer(rebasing: raw[0..<filtered]), checkCRC: checkCRC)
        }
    }

    /// `filterBuffer`: `rawSize` bytes for filtered frames, from which the filter's inverse writes
    /// `destination` in one pass; unfiltered frames decompress straight into `destination`.
    private func decode(_ descriptor: FrameDescriptor, compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                        codec: ZstdCodec, filterBuffer: UnsafeMutableRawBufferPointer, checkCRC: Bool) throws {
        guard destination.count == descriptor.rawSize, compressed.count == descriptor.size else {
            throw ShardError(.invalidArgument, file: source.name,
                             message: "buffers of \(compressed.count) and \(destination.count) bytes for a frame of \(descriptor.size) and \(descriptor.rawSize)")
        }
        guard !checkCRC || CRC32.checksum(compressed) == descriptor.crc32 else {
            throw ShardError(.checksumMismatch, file: source.name, location: "frame at offset \(descriptor.offset)",
                             message: "frame CRC-32 mismatch")
        }
        let filtered = descriptor.filter != .none
        do {
            try codec.decompress(compressed, into: filtered ? filterBuffer : destination)
        } catch let error as ShardError {
            throw ShardError(error.kind, file: source.name, location: "frame at offset \(descriptor.offset)", message: error.message)
        }
        if filtered {
            descriptor.filter.decode(UnsafeRawBufferPointer(filterBuffer), into: destination,
                                     elementSize: descriptor.dtype.size, rowLength: descriptor.width)
        }
    }

    /// Reads the compressed bytes of some frames of one record with as few reads as possible:
    /// frames whose gap is at most `maxGap` bytes share one read (for remote storage, one request).
    public func fetch(_ frames: [FrameDescriptor], maxGap: Int = 256 << 10) throws -> FetchedFrames {
        var segments: [FetchedFrames.Segment] = []
        var run: (start: Int, end: Int)?
        func flush() throws {
            guard let r = run else { return }
            segments.append(.init(offset: r.start, bytes: try source.read(at: r.start, count: r.end - r.start)))
        }
        for d in frames.sorted(by: { $0.offset < $1.offset }) {
            if let r = run, d.offset >= r.start, d.offset - r.end <= maxGap {
                run = (r.start, max(r.end, d.offset + d.size))
            } else {
                try flush()
                run = (d.offset, d.offset + d.size)
            }
        }
        try flush()
        return FetchedFrames(segments: segments)
    }

    /// Reads one sensor's array (or mask) of a record as raw little-endian bytes.
    public func readArray(record i: Int, sensor: String, kind: FrameKind = .data, codec: ZstdCodec) throws -> [UInt8] {
        guard let d = try frame(record: i, sensor: sensor, kind: kind) else {
            throw ShardError(.notFound, file: source.name, location: "record \(i)", message: "no \(kind) frame for sensor \(sensor)")
        }
        var out = [UInt8](repeating: 0, count: d.rawSize)
        var scratch: [UInt8] = []
        try out.withUnsafeMutableBytes { (raw) throws in try read(d, into: raw, codec: codec, scratch: &scratch) }
        return out
    }

    /// Reads every record in file order with large sequential reads, calling `body` with each
    /// record's metadata and the raw bytes of its frames (compressed, as in ``IndexEntry/frames``).
    public func forEachRecord(chunkBytes: Int = 8 << 20,
                              _ body: (Int, RecordMetadata, [[UInt8]]) throws -> Void) throws {
        var chunkStart = 0
        var chunk: [UInt8] = []
        for (i, e) in entries.enumerated() {
            let end = e.end
            if e.offset < chunkStart || end > chunkStart + chunk.count {
                chunkStart = e.offset
                let last = entries[i...].prefix { $0.end - e.offset <= max(chunkBytes, end - e.offset) }.last!.end
                chunk = try source.read(at: chunkStart, count: last - chunkStart)
            }
            let local = e.offset - chunkStart
            let headerBytes = Array(chunk[local..<(local + ShardLayout.recordPrefixSize + e.headerLength + 4)])
            let metadata = try parseHeader(headerBytes, entry: e, index: i)
            let frames = e.frames.map { Array(chunk[($0.offset - chunkStart)..<($0.offset - chunkStart + $0.size)]) }
            try body(i, metadata, frames)
        }
    }
}
