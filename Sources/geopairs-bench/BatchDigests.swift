import CLICore
import Foundation
import PairLoader
import ShardFormat

/// `geopairs-bench batch-digests`: the Swift loader's batches of one epoch as JSON lines (keys,
/// padding, SHA-256 of every tensor's bytes): the reference the Python package's tests compare
/// against, bit for bit, with the same configuration given as flags rather than JSON.
enum BatchDigests {
    static let command = Subcommand(
        name: "batch-digests", summary: "SHA-256 of every tensor of one epoch's batches, as JSON lines",
        positionals: [Positional("DIR", "the dataset")],
        options: [
            .text("sensors", "A,B", help: "sensors to load", required: true),
            .integer("batch", in: 1...65536, help: "records per batch", default: 32),
            .integer("seed", "S", in: 0...Int.max, help: "shuffle seed", default: 0),
            .choice("shuffle", ["global", "buffered", "none"], help: "order (buffered: 4 shards, 1024 records)", default: "global"),
            .integer("rank", "R", in: 0...65535, help: "this rank", default: 0),
            .integer("world-size", "W", in: 1...65536, help: "ranks", default: 1),
            .choice("remainder", ["drop", "pad"], help: "the last, partial batch", default: "drop"),
            .number("crop", "METRES", help: "random crop of this ground size"),
            .flag("flips", help: "random horizontal and vertical flips"),
            .flag("rotate", help: "random 90° rotations"),
            .flag("raw", help: "no normalisation"),
            .integer("epoch", "E", in: 0...Int.max, help: "the epoch", default: 0),
            .integer("skip", "K", in: 0...Int.max, help: "batches to leave out of the output", default: 0),
        ],
        discussion: """
        The Swift loader's batches of one epoch (keys, padding, SHA-256 of every tensor's bytes): the
        reference the Python package's tests compare against, bit for bit.
        """,
        run: { a in try run(a); return .success })

    static func run(_ a: Arguments) throws {
        let shuffle: ShuffleMode = switch a[text: "shuffle"] {
        case "buffered": .shardBuffered(shards: 4, buffer: 1024)
        case "none": .none
        default: .global
        }
        let flips = a.has("flips")
        let config = LoaderConfig(
            directory: a[positional: "DIR"], sensors: a[text: "sensors"].split(separator: ",").map(String.init),
            batchSize: a[integer: "batch"], shuffle: shuffle, seed: UInt64(a[integer: "seed"]),
            rank: a[integer: "rank"], worldSize: a[integer: "world-size"],
            remainder: a[text: "remainder"] == "pad" ? .pad : .drop, normalizes: !a.has("raw"),
            augmentation: Augmentation(cropSize: a.number("crop"), flipsHorizontally: flips, flipsVertically: flips,
                                       rotates90: a.has("rotate")),
            includesGeotransforms: false)
        let loader = try PairLoader(config)
        loader.setEpoch(a[integer: "epoch"])
        let skip = a[integer: "skip"]
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
