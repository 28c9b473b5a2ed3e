import Foundation

/// Checks a dataset against every checksum it carries: each shard's SHA-256 and size from
/// `dataset.json`, the footer CRC-32, every record header's CRC-32, and every frame's zstd content
/// checksum and size; and the index against the shards (record counts, keys, splits).
public enum DatasetVerifier {
    /// One thing found wrong.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The shard (relative path) or `dataset.json`.
        public var file: String
        /// The record concerned (`record 3 (key)`), or empty for the whole file.
        public var location: String
        public var message: String
        public var description: String { location.isEmpty ? "\(file): \(message)" : "\(file), \(location): \(message)" }
    }

    /// The outcome of a verification.
    public struct Report: Sendable {
        public var shardsChecked = 0
        public var recordsChecked = 0
        public var framesChecked = 0
        public var bytesChecked = 0
        public var problems: [Problem] = []
        /// True when nothing is wrong.
        public var isSound: Bool { problems.isEmpty }
    }

    /// Verifies a local dataset directory; never throws: every failure becomes a ``Problem``.
    public static func verify(directory: String, progress: (Int, Int) -> Void = { _, _ in }) -> Report {
        verify(storage: LocalStorage(directory: directory), progress: progress)
    }

    /// Verifies a dataset; never throws: every failure becomes a ``Problem``. A remote shard is
    /// downloaded once into a temporary file (hashed on the way) and checked there, instead of
    /// being requested frame by frame.
    /// - Parameter progress: called after each shard with (shards done, shards total).
    public static func verify(storage: any DatasetStorage, progress: (Int, Int) -> Void = { _, _ in }) -> Report {
        var report = Report()
        let index: DatasetIndex
        do {
            index = try DatasetIndex.load(storage: storage)
        } catch {
            report.problems.append(Problem(file: "dataset.json", location: "", message: "\(error)"))
            return report
        }
        let codec = ZstdCodec()
        var seenKeys: Set<String> = []
        let inputs = index.inputs.map(\.path)
        for (n, info) in index.shards.enumerated() {
            defer { progress(n + 1, index.shards.count) }
            report.shardsChecked += 1
            func problem(_ location: String, _ message: String) {
                report.problems.append(Problem(file: info.file, location: location, message: message))
            }
            do {
                var source = try storage.byteSource(for: info)
                if source.size != info.bytes { problem("", "size \(source.size) bytes, dataset.json says \(info.bytes)") }
                let digest: String
                var download: String?
                defer { if let download { unlink(download) } }
                if storage.isRemote {
                    let path = NSTemporaryDirectory() + "/geopairs-verify-\(getpid())-\(n).gpshard"
                    download = path
                    digest = try copy(source, to: path)
                    source = try FileByteSource(path: path)
                } else {
                    digest = try sha256(of: source)
                }
                report.bytesChecked += source.size
                if digest != info.sha256 { problem("", "SHA-256 \(digest) does not match dataset.json (\(info.sha256))") }
                let reader = try ShardReader(source: source, inputs: inputs)
                if reader.recordCount != info.records { problem("", "holds \(reader.recordCount) records, dataset.json says \(info.records)") }
                do { try DatasetReader.checkFrames(of: reader, against: index, file: info.file) } catch { problem("", Self.message(error)) }
                var scratch: [UInt8] = []
                var output: [UInt8] = []
                for (i, e) in reader.entries.enumerated() {
                    report.recordsChecked += 1
                    let place = "record \(i) (\(e.key))"
                    if !seenKeys.insert(e.key).inserted { problem(place, "key appears more than once in the dataset") }
                    do {
                        let meta = try reader.metadata(at: i)
                        if meta.split != info.split { problem(place, "split \(meta.split) in a \(info.split) shard") }
                        for s in meta.sensors where !s.sources.joined().allSatisfy(index.inputs.indices.contains) {
                            problem(place, "sensor \(s.sensor): sources \(s.sources) point outside dataset.json's \(index.inputs.count) inputs")
                        }
                    } catch {
                        problem(place, Self.message(error))
                    }
                    for frame in e.frames {
                        report.framesChecked += 1
                        do {
                            if output.count != frame.rawSize { output = [UInt8](repeating: 0, count: frame.rawSize) }
                            try output.withUnsafeMutableBytes { try reader.read(frame, into: $0, codec: codec, scratch: &scratch) }
                        } catch {
                            problem(place, "sensor \(reader.sensors[frame.sensorIndex]) \(frame.kind): \(Self.message(error))")
                        }
                    }
                }
            } catch {
                problem("", Self.message(error))
            }
        }
        return report
    }

    private static func message(_ error: any Error) -> String {
        (error as? ShardError).map { $0.location.isEmpty ? $0.message : "\($0.location): \($0.message)" } ?? "\(error)"
    }

    /// SHA-256 of a whole source, read in 8 MiB pieces.
    public static func sha256(of source: any ByteSource) throws -> String {
        try forEachPiece(of: source) { _ in }
    }

    /// Copies a source into a new local file; returns its SHA-256.
    static func copy(_ source: any ByteSource, to path: String) throws -> String {
        let file = try OutputFile(path: path)
        let digest = try forEachPiece(of: source) { try file.write(Array($0)) }
        try file.commit()
        return digest
    }

    /// Reads a whole source in order (``ByteSource/readAll(_:)``), hashing it; returns the SHA-256.
    private static func forEachPiece(of source: any ByteSource, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> String {
        var hasher = SHA256()
        try source.readAll { piece in
            hasher.update(piece)
            try body(piece)
        }
        return hasher.finalizeHex()
    }
}
