import Foundation
import PairLoader
import ShardFormat
import Testing

@Suite("PairLoader")
struct PairLoaderTests {
    static let modes: [ShuffleMode] = [.global, .shardBuffered(shards: 3, buffer: 7), .none]

    @Test("Every record goes to exactly one rank per epoch, with equal batch counts", arguments: [1, 2, 3, 4])
    func exactlyOnce(worldSize: Int) throws {
        let dir = try LoaderFixtures.numberedDataset()
        let all = Set((0..<37).map { String(format: "r%03d", $0) })
        for mode in Self.modes {
            for remainder in [RemainderPolicy.drop, .pad] {
                var seen: [String] = [], padded = 0
                var batchCounts: Set<Int> = []
                for rank in 0..<worldSize {
                    let loader = try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, shuffle: mode, seed: 11,
                                                             rank: rank, worldSize: worldSize, workers: 2, remainder: remainder, normalizes: false))
                    let batches = try LoaderFixtures.drain(loader)
                    batchCounts.insert(batches.count)
                    for batch in batches {
                        for (key, pad) in zip(batch.keys, batch.padding) { if pad { padded += 1 } else { seen.append(key) } }
                        // The tensor holds the record the key names.
                        for (i, key) in batch.keys.enumerated() { #expect(batch.a[i * 128] == Float(Int(key.dropFirst())!)) }
                    }
                }
                #expect(batchCounts.count == 1, "\(mode) \(remainder): ranks got different batch counts \(batchCounts)")
                #expect(Set(seen).count == seen.count, "\(mode) \(remainder) W=\(worldSize): a record was delivered twice")
                #expect(Set(seen).isSubset(of: all))
                if remainder == .pad {
                    #expect(Set(seen) == all, "\(mode) W=\(worldSize): records missing with padding")
                } else {
                    #expect(all.count - seen.count < worldSize * 4, "\(mode) W=\(worldSize): dropped too many")
                    #expect(padded == 0)
                }
            }
        }
    }

    @Test("Epochs give different orders; the same seed and epoch the same order")
    func orderDeterminism() throws {
        let dir = try LoaderFixtures.numberedDataset()
        for mode in Self.modes.dropLast() {
            func keys(epoch: Int, seed: UInt64) throws -> [String] {
                let loader = try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 5, shuffle: mode, seed: seed, normalizes: false))
                loader.setEpoch(epoch)
                return try LoaderFixtures.drain(loader).flatMap(\.keys)
            }
            #expect(try keys(epoch: 0, seed: 1) == keys(epoch: 0, seed: 1))
            #expect(try keys(epoch: 0, seed: 1) != keys(epoch: 1, seed: 1))
            #expect(try keys(epoch: 0, seed: 1) != keys(epoch: 0, seed: 2))
        }
    }

    @Test("Resuming from a state saved after k batches reproduces the rest bit for bit", arguments: [0, 1, 3, 4])
    func exactResume(k: Int) throws {
        let dir = try LoaderFixtures.numberedDataset()
        let config = LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, shuffle: .global, seed: 5, rank: 1, worldSize: 2,
                                  workers: 2, prefetch: 3, augmentation: Augmentation(cropSize: 40, flipsHorizontally: true, flipsVertically: true, rotates90: true))
        let reference = try PairLoader(config)
        reference.setEpoch(2)
        let uninterrupted = try LoaderFixtures.drain(reference)

        let first = try PairLoader(config)
        first.setEpoch(2)
        let iterator = first.makeIterator()
        for _ in 0..<k { _ = try iterator.nextBatch() }
        iterator.stop()
        let saved = try JSONEncoder().encode(first.state)
        let resumed = try PairLoader(config, state: try JSONDecoder().decode(LoaderState.self, from: saved))
        let rest = try LoaderFixtures.drain(resumed)
        #expect(uninterrupted.count == 4)
        #expect(rest.count == uninterrupted.count - k)
        for (x, y) in zip(rest, uninterrupted.dropFirst(k)) {
            #expect(x.keys == y.keys && x.padding == y.padding)
            #expect(x.a.map(\.bitPattern) == y.a.map(\.bitPattern) && x.b.map(\.bitPattern) == y.b.map(\.bitPattern))
        }
    }

    @Test("Loading some sensors never decodes the others: their frames may even be damaged")
    func selectedSensorsOnly() throws {
        let dir = try LoaderFixtures.numberedDataset()
        let index = try DatasetIndex.load(directory: dir)
        for info in index.shards {
            let path = "\(dir)/\(info.file)"
            let shard = try ShardReader(path: path)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let b = shard.sensors.firstIndex(of: "b")!
            for e in shard.entries { for f in e.frames where f.sensorIndex == b { bytes[f.offset + f.size / 2] ^= 0xFF } }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let onlyA = try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, corruptRecords: .fail))
        #expect(try LoaderFixtures.drain(onlyA).count == 9)
        let withB = try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, corruptRecords: .fail))
        #expect(throws: LoaderError.self) { try LoaderFixtures.drain(withB) }
    }

    @Test("A corrupt record is skipped and counted, or fails naming shard and record")
    func corruptRecords() throws {
        let dir = try LoaderFixtures.numberedDataset()
        let index = try DatasetIndex.load(directory: dir)
        let path = "\(dir)/\(index.shards[1].file)"
        let shard = try ShardReader(path: path)
        let victim = shard.entries[2]
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[victim.frames[0].offset + 3] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let skipping = try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, shuffle: .none, remainder: .pad, corruptRecords: .skip))
        let batches = try LoaderFixtures.drain(skipping)
        #expect(skipping.skippedRecords.count == 1)
        #expect(skipping.skippedRecords[0].contains(index.shards[1].file) && skipping.skippedRecords[0].contains(victim.key))
        let slot = batches.flatMap { zip($0.keys, $0.padding) }.first { $0.0 == victim.key }
        #expect(slot?.1 == true)

        let failing = try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, shuffle: .none, corruptRecords: .fail))
        let error = #expect(throws: LoaderError.self) { try LoaderFixtures.drain(failing) }
        #expect(error?.message.contains(index.shards[1].file) == true && error?.message.contains(victim.key) == true)
        // The plain Sequence ends early and keeps the failure.
        var count = 0
        for _ in try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, shuffle: .none, corruptRecords: .fail)) { count += 1 }
        #expect(count < 9)
    }

    @Test("Stopping early ends every worker thread, and the loader can start again")
    func earlyStop() throws {
        let dir = try LoaderFixtures.numberedDataset()
        let loader = try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 2, workers: 3, prefetch: 2))
        let iterator = loader.makeIterator()
        _ = try iterator.nextBatch()
        iterator.stop()
        #expect(iterator.runningWorkers == 0)
        #expect(loader.state.position == 1)
        for _ in 0..<3 { _ = loader.makeIterator().next() }  // dropped iterators stop their threads on deinit
        #expect(loader.state.position == 4)
        #expect(try LoaderFixtures.drain(loader).count == 18 - 4)
    }

    @Test("Normalisation uses the train statistics; the async view yields the same batches")
    func normalisationAndAsync() async throws {
        let dir = try LoaderFixtures.numberedDataset()
        let stats = try #require(try DatasetIndex.load(directory: dir).splitStatistics["train"]?["a"])
        let loader = try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, shuffle: .none, includesAttributes: true))
        var first: Batch?
        for try await batch in loader.batches { if first == nil { first = batch } }
        let batch = try #require(first)
        let raw = Float(Int(batch.keys[0].dropFirst())!)
        let expected = (raw - Float(stats[0].mean)) / Float(stats[0].standardDeviation)
        #expect(abs(batch["a"]!.values[0] - expected) < 1e-5)
        #expect(batch.attributes[0]["n"] == .number(Double(raw)))
        #expect(batch.geotransforms["a"]![0] == GeoTransform([Double(raw) * 80, 10, 0, 80, 0, -10]))
    }

    @Test("metadata and attributes off give the same tensors and keys, without geotransforms and attributes")
    func withoutMetadata() throws {
        let dir = try LoaderFixtures.numberedDataset()
        func load(_ metadata: Bool) throws -> [Batch] {
            var out: [Batch] = []
            try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, seed: 3, includesGeotransforms: metadata,
                                        includesAttributes: metadata)).forEach { out.append($0) }
            return out
        }
        let full = try load(true), lean = try load(false)
        #expect(full.count == lean.count && !full.isEmpty)
        for (f, l) in zip(full, lean) {
            #expect(f.keys == l.keys)
            #expect(f["a"]!.values == l["a"]!.values && f["b"]!.values == l["b"]!.values)
            #expect(f["a"]!.validity == l["a"]!.validity)
            #expect(f.geotransforms["a"]!.allSatisfy { $0 != nil } && l.geotransforms["a"]!.allSatisfy { $0 == nil })
            #expect(l.attributes.allSatisfy(\.isEmpty) && !f.attributes[0].isEmpty)
        }
    }

    @Test("Bad configurations are refused with a message")
    func badConfigurations() throws {
        let dir = try LoaderFixtures.numberedDataset()
        #expect(throws: LoaderError.self) { try PairLoader(LoaderConfig(directory: dir, sensors: ["zz"], batchSize: 4)) }
        #expect(throws: LoaderError.self) { try PairLoader(LoaderConfig(directory: dir, split: "nope", sensors: ["a"], batchSize: 4)) }
        #expect(throws: LoaderError.self) { try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 0)) }
        #expect(throws: LoaderError.self) { try PairLoader(LoaderConfig(directory: dir, sensors: ["a"], batchSize: 4, rank: 2, worldSize: 2)) }
        #expect(throws: LoaderError.self) {
            try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, augmentation: Augmentation(cropSize: 30)))
        }
    }
}
