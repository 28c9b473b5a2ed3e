import CLICore
import Foundation
import ObjectStore
import PairLoader
import ShardFormat

/// `geopairs-bench load` and `geopairs-bench zstd-floor`: PairLoader throughput against the floor
/// (zstd decompression of the same frames, already in memory, on the same number of threads).
enum LoadBenchmark {
    static let dataset = Positional("DIR", "the dataset (for load also a bucket or URL)")
    static let sensors = Option.text("sensors", "A,B", help: "sensors to read", required: true)

    static let loadCommand = Subcommand(
        name: "load", summary: "PairLoader's samples/s, decoded MB/s and peak memory per epoch, as JSON lines",
        positionals: [dataset],
        options: [
            sensors,
            .integer("workers", "W", in: 1...256, help: "loader threads", default: 2),
            .choice("shuffle", ["global", "buffered"], help: "order (buffered: 4 shards, 1024 records)", default: "global"),
            .integer("batch", in: 1...65536, help: "records per batch", default: 32),
            .choice("metadata", ["on", "off"], help: "decode each record's metadata", default: "on"),
            .integer("epochs", "E", in: 1...1000, help: "epochs, one line each", default: 1),
        ] + DatasetLocationOptions.all,
        discussion: """
        One JSON line per epoch of the train split. For a dataset in a bucket each line also says how
        many requests the epoch made and the bytes they fetched against the compressed bytes of the
        frames it used.
        """,
        run: { a in try load(a); return .success })

    static let floorCommand = Subcommand(
        name: "zstd-floor", summary: "the loader's floor: the same frames only decompressed, on the same threads",
        positionals: [dataset],
        options: [sensors, .integer("threads", "T", in: 1...256, help: "decompressing threads", default: 2)],
        run: { a in try floor(a); return .success })

    /// Peak resident memory of this process (VmHWM), MB.
    static func peakRSS() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") else { return 0 }
        return kb / 1024
    }

    /// One JSON line per epoch. The dataset may be a bucket (`--cache DIR --cache-size B` as in
    /// the CLIs); then each line also says how many requests the epoch made and the bytes they
    /// fetched against the compressed bytes of the frames it used.
    static func load(_ a: Arguments) throws {
        let dir = a[positional: "DIR"]
        let sensors = a[text: "sensors"].split(separator: ",").map(String.init)
        let shuffle: ShuffleMode = a[text: "shuffle"] == "buffered" ? .shardBuffered(shards: 4, buffer: 1024) : .global
        let opening = Date()
        let storage = try DatasetStorageOpener.open(dir, cache: a.value("cache"), cacheSize: a.value("cache-size"), remoteTimeout: a.value("remote-timeout"))
        let loader = try PairLoader(LoaderConfig(directory: dir, split: "train", sensors: sensors, batchSize: a[integer: "batch"],
                                                 shuffle: shuffle, seed: 1, workers: a[integer: "workers"], prefetch: 4,
                                                 includesGeotransforms: a[text: "metadata"] == "on", storage: storage))
        let openSeconds = Date().timeIntervalSince(opening)
        let rawPerSample = sensors.map { s in loader.reader.index.sensor(s)!.shape.reduce(1, *) * loader.reader.index.sensor(s)!.dtype.size }.reduce(0, +)
        let usedPerEpoch = try loader.records.reduce(0) { total, loc in
            try sensors.reduce(total) { t, s in
                try [FrameKind.data, .mask].reduce(t) { $0 + (try loader.reader.shards[loc.shard].frame(record: loc.record, sensor: s, kind: $1)?.size ?? 0) }
            }
        }
        for epoch in 0..<a[integer: "epochs"] {
            loader.setEpoch(epoch)
            var samples = 0
            var checksum: Float = 0
            let before = epoch == 0 ? (requests: 0, bytes: 0) : RemoteTraffic.shared.totals
            let start = Date()
            try loader.forEach { batch in
                samples += batch.count
                checksum += batch[sensors[0]]!.withUnsafeValues { $0[0] }   // touch the data
            }
            let seconds = Date().timeIntervalSince(start)
            let after = RemoteTraffic.shared.totals
            print(String(format: "{\"epoch\": %d, \"samples\": %d, \"seconds\": %.3f, \"samplesPerSecond\": %.1f, \"decodedMBps\": %.1f, \"peakRSSMB\": %.0f, \"checksum\": %.3f, \"requests\": %d, \"bytesFetched\": %d, \"bytesUsed\": %d, \"openSeconds\": %.3f}",
                         epoch, samples, seconds, Double(samples) / seconds, Double(samples * rawPerSample) / seconds / 1e6, peakRSS(), checksum,
                         after.requests - before.requests, after.bytes - before.bytes, usedPerEpoch, openSeconds))
        }
    }

    static func floor(_ a: Arguments) throws {
        let dir = a[positional: "DIR"]
        let sensors = a[text: "sensors"].split(separator: ",").map(String.init)
        let threads = a[integer: "threads"]
        let reader = try DatasetReader(directory: dir)
        // The same frames the loader reads (train split, chosen sensors), read the same way (pread
        // from the page cache into a reused buffer) and only decompressed: no filter, no conversion.
        var frames: [(shard: Int, frame: FrameDescriptor)] = []
        for loc in reader.locations(split: "train") {
            for s in sensors {
                if let f = try reader.shards[loc.shard].frame(record: loc.record, sensor: s) { frames.append((loc.shard, f)) }
            }
        }
        let frameList = frames
        let raw = frames.reduce(0) { $0 + $1.frame.rawSize }
        let start = Date()
        let done = DispatchGroup()
        for t in 0..<threads {
            done.enter()
            Thread {
                let codec = ZstdCodec()
                var out = [UInt8](repeating: 0, count: frameList.map(\.frame.rawSize).max() ?? 0)
                var input = [UInt8](repeating: 0, count: frameList.map(\.frame.size).max() ?? 0)
                // Contiguous halves: frames alternate between sensors of very different sizes.
                for i in (t * frameList.count / threads)..<((t + 1) * frameList.count / threads) {
                    let (shard, f) = frameList[i]
                    input.withUnsafeMutableBytes { src in
                        let part = UnsafeMutableRawBufferPointer(rebasing: src[0..<f.size])
                        try? reader.shards[shard].source.read(at: f.offset, into: part)
                        out.withUnsafeMutableBytes { dst in
                            try? codec.decompress(UnsafeRawBufferPointer(part), into: UnsafeMutableRawBufferPointer(rebasing: dst[0..<f.rawSize]))
                        }
                    }
                }
                done.leave()
            }.start()
        }
        done.wait()
        let seconds = Date().timeIntervalSince(start)
        let samples = reader.locations(split: "train").count
        print(String(format: "{\"samples\": %d, \"seconds\": %.3f, \"samplesPerSecond\": %.1f, \"decodedMBps\": %.1f, \"peakRSSMB\": %.0f}",
                     samples, seconds, Double(samples) / seconds, Double(raw) / seconds / 1e6, peakRSS()))
    }
}

