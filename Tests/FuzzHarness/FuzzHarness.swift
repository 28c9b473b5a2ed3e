import Foundation
import MSADTrainer
import PairLoader
import ShardFormat
import TestSupport

/// What the fuzzer feeds GeoPairs' readers: each target turns one input into a file a reader opens,
/// then uses whatever the reader accepts the way a consumer would. Any error is fine; a trap, a
/// hang, an out-of-bounds access (under AddressSanitizer) or an unbounded allocation is a bug.
/// Shared by `geopairs-fuzz` (libFuzzer or a seeded mutation loop) and the regression tests.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A whole shard file; its checksums are repaired first (``ShardSurgery/repairChecksums(_:)``),
    /// because CRCs do not protect against crafted files.
    case shard
    /// The JSON header of the first record of a real shard, written back with valid checksums.
    case header
    /// `dataset.json` beside real shards, then the dataset reader and the loader.
    case index
    /// A safetensors checkpoint, then the model it describes.
    case safetensors
}

public final class FuzzHarness: @unchecked Sendable {
    public let target: FuzzTarget
    /// A scratch folder for the files a target writes (the index target's dataset copy).
    private let work: String
    /// The header target's shard, parsed once.
    private let seedShard: ShardSurgery?

    /// - Parameter context: a real dataset directory (the header and index targets start from it).
    public init(target: FuzzTarget, context: String?) throws {
        self.target = target
        work = FileManager.default.temporaryDirectory.appendingPathComponent("geopairs-fuzz-\(getpid())-\(target.rawValue)").path
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        guard target == .header || target == .index else { seedShard = nil; return }
        guard let context else { throw FuzzError("the \(target) target needs --context DATASET") }
        let index = try DatasetIndex.load(directory: context)
        if target == .header {
            seedShard = try ShardSurgery(Array(try Data(contentsOf: URL(fileURLWithPath: "\(context)/\(index.shards[0].file)"))))
        } else {
            seedShard = nil
            try FileManager.default.copyItem(atPath: "\(context)/shards", toPath: "\(work)/shards")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: work) }

    /// Runs one input.
    public func run(_ input: [UInt8]) {
        switch target {
        case .shard:
            var bytes = input
            ShardSurgery.repairChecksums(&bytes)
            Self.readEverything(MemoryByteSource(bytes: bytes, name: "fuzz.gpshard"))
        case .header:
            guard var shard = seedShard, !shard.records.isEmpty else { return }
            shard.records[0].header = input
            Self.readEverything(MemoryByteSource(bytes: shard.serialized(), name: "fuzz.gpshard"))
        case .index:
            let url = URL(fileURLWithPath: "\(work)/dataset.json")
            guard (try? Data(input).write(to: url)) != nil else { return }
            guard let reader = try? DatasetReader(directory: work, limits: Self.limits) else { return }
            let codec = ZstdCodec()
            for location in reader.locations().prefix(4) {
                _ = try? reader.metadata(at: location)
                for sensor in reader.index.sensors { _ = try? reader.readArray(at: location, sensor: sensor.name, codec: codec) }
            }
            Self.loadTwoBatches(work, reader.index)
        case .safetensors:
            let path = "\(work)/model.safetensors"
            guard (try? Data(input).write(to: URL(fileURLWithPath: path))) != nil else { return }
            _ = try? SafeTensors.read(path)
            _ = try? MSADModel<Float>(checkpoint: path)
        }
    }

    /// Smaller caps than a reader's defaults, so that frames up to the cap are decoded quickly; the
    /// checks themselves are the same.
    static let limits = ReaderLimits(maxHeaderBytes: 1 << 20, maxFrameBytes: 64 << 20, maxFooterBytes: 16 << 20)

    /// Every header and frame of a shard, by random access and by sequential iteration; errors are
    /// expected and ignored.
    public static func readEverything(_ source: some ByteSource) {
        guard let reader = try? ShardReader(source: source, limits: limits) else { return }
        let codec = ZstdCodec()
        var scratch: [UInt8] = []
        for i in 0..<reader.recordCount {
            _ = try? reader.metadata(at: i)
            for frame in reader.entries[i].frames {
                var out = [UInt8](repeating: 0, count: frame.rawSize)
                _ = try? out.withUnsafeMutableBytes { try reader.read(frame, into: $0, codec: codec, scratch: &scratch) }
            }
        }
        try? reader.forEachRecord { _, _, _ in }
    }

    /// Two batches of every sensor of the first split, with flips (and rotations where square).
    static func loadTwoBatches(_ directory: String, _ index: DatasetIndex) {
        guard let split = index.splits.keys.sorted().first else { return }
        let square = index.sensors.allSatisfy { $0.shape.count == 3 && $0.shape[1] == $0.shape[2] }
        let config = LoaderConfig(directory: directory, split: split, sensors: index.sensors.map(\.name), batchSize: 2, workers: 1,
                                  prefetch: 1, remainder: .pad, augmentation: Augmentation(flipsHorizontally: true, flipsVertically: true, rotates90: square),
                                  corruptRecords: .skip)
        guard let loader = try? PairLoader(config) else { return }
        let iterator = loader.makeIterator()
        for _ in 0..<2 { _ = iterator.next() }
    }
}

/// A shard held in memory.
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public let name: String
    public var size: Int { bytes.count }

    public func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        guard offset >= 0, offset <= bytes.count, destination.count <= bytes.count - offset else {
            throw ShardError(.truncated, file: name, message: "range \(offset)+\(destination.count) outside \(bytes.count) bytes")
        }
        bytes.withUnsafeBytes { destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + destination.count)])) }
    }
}

public struct FuzzError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension FuzzTarget {
    /// Writes each target's seed inputs under `output/TARGET/`: the dataset's shards, the JSON
    /// headers of their records, its dataset.json, and a small model checkpoint.
    public static func writeSeeds(dataset: String, to output: String) throws {
        let fm = FileManager.default
        for target in allCases { try fm.createDirectory(atPath: "\(output)/\(target.rawValue)", withIntermediateDirectories: true) }
        func write(_ bytes: [UInt8], _ target: FuzzTarget, _ name: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(output)/\(target.rawValue)/\(name)"))
        }
        let index = try DatasetIndex.load(directory: dataset)
        for shard in index.shards {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(dataset)/\(shard.file)")))
            let name = (shard.file as NSString).lastPathComponent
            try write(bytes, .shard, name)
            for (i, record) in try ShardSurgery(bytes).records.enumerated() { try write(record.header, .header, "\(name)-\(i).json") }
        }
        try write(Array(try Data(contentsOf: URL(fileURLWithPath: "\(dataset)/dataset.json"))), .index, "dataset.json")
        let sensors = [ModelConfig.Sensor(name: "s1", channels: 2, pixelsPerToken: 2), .init(name: "s2", channels: 3, pixelsPerToken: 1)]
        let model = MSADModel<Float>(config: ModelConfig(sensors: sensors, grid: 2, width: 4, depth: 1, heads: 2, projection: 4))
        let path = "\(output)/\(FuzzTarget.safetensors.rawValue)/model.safetensors"
        try model.save(to: path, metadata: ["step": "3"])
    }
}
