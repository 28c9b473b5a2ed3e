/// Writes one shard file: header, records in the order given, footer index, trailer.
///
/// The file is written as `<path>.<pid>.partial` and renamed to `path` only by ``finish()``, after an
/// fsync: a crash never leaves a file under the final name that looks complete but is not.
public final class ShardWriter {
    public let path: String
    /// The shard's sensor table (the dataset's sensors, in order).
    public let sensors: [String]
    /// Each sensor's band names.
    public let bands: [[String]]
    private let file: OutputFile
    private var hasher = SHA256()
    private var entries: [IndexEntry] = []
    private var sensorBytes: [String: SensorByteCounts] = [:]

    public init(path: String, sensors: [SensorSchema]) throws {
        self.path = path
        self.sensors = sensors.map(\.name)
        bands = sensors.map(\.bands)
        file = try OutputFile(path: path)
        var w = ByteWriter()
        w.raw(ShardLayout.fileMagic)
        w.u32(ShardLayout.version)
        w.u32(0)
        try emit(w.bytes)
    }

    /// Records appended so far.
    public var recordCount: Int { entries.count }
    /// Bytes written so far.
    public var byteCount: Int { file.size }

    private func emit(_ bytes: [UInt8]) throws {
        hasher.update(bytes)
        try file.write(bytes)
    }

    /// Appends an encoded record.
    public func append(_ record: EncodedRecord) throws {
        let offset = file.size
        var prefix = ByteWriter()
        prefix.raw(ShardLayout.recordMagic)
        prefix.u32(UInt32(record.header.count))
        try emit(prefix.bytes)
        try emit(record.header)
        var crc = ByteWriter()
        crc.u32(CRC32.checksum(record.header))
        try emit(crc.bytes)
        var frames: [FrameDescriptor] = []
        for frame in record.frames {
            guard let sensorIndex = sensors.firstIndex(of: frame.sensor),
                  frame.descriptor.kind == .mask || frame.descriptor.channels == bands[sensorIndex].count else {
                throw ShardError(.invalidArgument, file: path, location: "record \(record.metadata.key)",
                                 message: "sensor \(frame.sensor) is not in the shard's sensor table \(sensors) with \(frame.descriptor.channels) bands")
            }
            var descriptor = frame.descriptor
            descriptor.sensorIndex = sensorIndex
            descriptor.offset = file.size
            frames.append(descriptor)
            try emit(frame.bytes)
            sensorBytes[frame.sensor, default: SensorByteCounts()].raw += descriptor.rawSize
            sensorBytes[frame.sensor, default: SensorByteCounts()].compressed += descriptor.size
        }
        entries.append(IndexEntry(key: record.metadata.key, offset: offset, headerLength: record.header.count, frames: frames,
                                  placements: record.placements))
    }

    /// Writes the footer and trailer, fsyncs and publishes the file under its final name.
    /// - Returns: the shard's `dataset.json` entry (`file` is the path as given; callers make it relative).
    public func finish(split: String) throws -> ShardInfo {
        let footer = Footer(sensors: sensors, bands: bands, entries: entries).encoded()
        let footerOffset = file.size
        try emit(footer)
        var trailer = ByteWriter()
        trailer.u64(UInt64(footerOffset))
        trailer.u64(UInt64(footer.count))
        trailer.u32(CRC32.checksum(footer))
        trailer.u32(ShardLayout.version)
        trailer.raw(ShardLayout.fileMagic)
        try emit(trailer.bytes)
        try file.commit()
        return ShardInfo(file: path, split: split, records: entries.count, bytes: file.size,
                         sha256: hasher.finalizeHex(), sensorBytes: sensorBytes)
    }

    /// Deletes the partial file (e.g. when a build is cancelled).
    public func abandon() {
        file.abandon()
    }
}
