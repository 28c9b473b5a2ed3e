import Foundation
import PairLoader
import ShardFormat

/// `geopairs-bench batch-digests`: the Swift loader's batches of one epoch as JSON lines (keys,
/// padding, SHA-256 of every tensor's bytes): the reference the Python package's tests compare
/// against, bit for bit, with the same configuration given as flags rather than JSON.
enum BatchDigests {
    static func run(_ args: [String]) throws {
        guard let dir = args.first else { throw LoaderError("usage: batch-digests DIR --sensors A,B [--batch N] [--seed S] [--shuffle global|buffered|none] [--rank R --world-size W] [--remainder drop|pad] [--crop METRES] [--flips] [--rotate] [--raw] [--epoch E] [--skip K]") }
        let option = { LoadBenchmark.option(args, $0) }
        let shuffle: ShuffleMode = switch option("shuffle") ?? "global" {
        case "buffered": .shardBuffered(shards: 4, buffer: 1024)
        case "none": .none
        default: .global
        }
        let flips = args.contains("--flips")
        let config = LoaderConfig(
            directory: dir, sensors: (option("sensors") ?? "").split(separator: ",").map(String.init),
            batchSize: Int(option("batch") ?? "32") ?? 32, shuffle: shuffle, seed: UInt64(option("seed") ?? "0") ?? 0,
            rank: Int(option("rank") ?? "0") ?? 0, worldSize: Int(option("world-size") ?? "1") ?? 1,
            remainder: option("remainder") == "pad" ? .pad : .drop, normalize: !args.contains("--raw"),
            augmentation: Augmentation(cropSize: option("crop").flatMap(Double.init), flipsHorizontally: flips, flipsVertically: flips,
                                       rotates90: args.contains("--rotate")),
            metadata: false)
        let loader = try PairLoader(config)
        loader.setEpoch(Int(option("epoch") ?? "0") ?? 0)
        let skip = Int(option("skip") ?? "0") ?? 0
        var delivered = 0
        try loader.forEach { batch in
            delivered += 1
            guard delivered > skip else { return }
            var digests: [String: String] = [:]
            for name in config.sensors {
                let tensor = batch[name]!
                digests[name] = tensor.withUnsafeValues { sha256(UnsafeRawBufferPointer($0)) }
                digests[name + "_mask"] = tensor.withUnsafeMask { sha256(UnsafeRawBufferPointer($0)) }
            }
            let line: [String: JSONValue] = [
                "index": .number(Double(batch.index)), "epoch": .number(Double(batch.epoch)),
                "keys": .array(batch.keys.map(JSONValue.string)), "padding": .array(batch.isPadding.map(JSONValue.bool)),
                "sha256": .object(digests.mapValues(JSONValue.string)),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(line), as: UTF8.self))
        }
    }

    private static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finalizeHex()
    }
}
