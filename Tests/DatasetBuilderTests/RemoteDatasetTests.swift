import DatasetBuilder
import Foundation
import ObjectStore
import PairLoader
import ShardFormat
import TestSupport
import Testing

/// Datasets in a bucket (SeaweedFS on 127.0.0.1): built into it, resumed from its journal,
/// verified, and loaded with exactly the batches of a local copy, through faults.
@Suite("Datasets in object storage (SeaweedFS)", .serialized)
struct RemoteDatasetTests {
    static let credentials = (ObjectStoreServer.accessKey, ObjectStoreServer.secretKey)

    /// A server with the fixture's inputs, and the fixture's local build (the reference).
    static func setUp() throws -> (StacFixture, reference: String, ObjectStoreServer) {
        let (fixture, reference, server) = try ObjectStoreTests.setUp()
        // In-process readers (RemoteStorage) take GDAL's configuration from the environment.
        for (key, value) in server.environment(credentials: credentials) { setenv(key, value, 1) }
        return (fixture, reference, server)
    }

    static func localManifest(_ f: StacFixture) throws -> String {
        Fixtures.manifestFile(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog]))
    }

    /// `build-dataset build` into `out` with the server's credentials.
    static func build(_ manifest: String, out: String, _ server: ObjectStoreServer, extra: [String] = [],
                      env: [String: String] = [:]) throws -> TestEnvironment.Outcome {
        try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--jobs", "1"] + extra,
                                       environment: server.environment(credentials: credentials).merging(env) { $1 })
    }

    static func config(_ storage: (any DatasetStorage)?, directory: String, seed: UInt64 = 3, rank: Int = 0, worldSize: Int = 1,
                       shuffle: ShuffleMode = .global, corrupt: CorruptRecordPolicy = .fail) -> LoaderConfig {
        LoaderConfig(directory: directory, sensors: ["s2", "s1"], batchSize: 5, shuffle: shuffle, seed: seed, rank: rank,
                     worldSize: worldSize, workers: 2, prefetch: 2, remainder: .pad, corruptRecords: corrupt, storage: storage)
    }

    /// Everything a batch carries, for bit-exact comparison.
    static func fingerprint(_ b: Batch) -> [String] {
        var out = ["\(b.index) \(b.epoch) \(b.keys) \(b.isPadding) \(b.geotransforms.sorted { $0.key < $1.key })"]
        for name in b.sensors.keys.sorted() {
            let s = b.sensors[name]!
            out.append("\(name) \(s.shape) " + s.values.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") + " " + "\(s.validity)")
        }
        return out
    }

    static func epoch(_ loader: PairLoader, _ n: Int, limit: Int = .max) throws -> [[String]] {
        loader.setEpoch(n)
        var out: [[String]] = []
        let iterator = loader.makeIterator()
        while out.count < limit, let b = try iterator.nextBatch() { out.append(fingerprint(b)) }
        return out
    }

    @Test("build --out s3://: equal shards, verify, identical batches with and without cache for any seed, epoch, rank layout and resume point; train-msad from the bucket")
    func buildAndLoad() throws {
        if let reason = ObjectStoreTests.skipReason() { print("notice: remote dataset tests skipped: \(reason)"); return }
        let (f, reference, server) = try Self.setUp()
        defer { server.stop() }
        let built = try Self.build(Self.localManifest(f), out: "s3://private/ds", server)
        #expect(built.status == 0, "\(built.errors)")
        let storage = RemoteStorage(location: "s3://private/ds")
        let local = try DatasetIndex.load(directory: reference), remote = try DatasetIndex.load(storage: storage)
        #expect(remote.shards == local.shards && remote.statistics == local.statistics && remote.shards.count == 6)
        let listing = VirtualListing.keys(server, prefix: "ds/")
        #expect(listing.contains("ds/dataset.json") && listing.filter { $0.hasPrefix("ds/shards/") }.count == 6
                && !listing.contains { $0.contains(".geopairs-journal") || $0.contains("partial") }, "\(listing)")

        let verified = try TestEnvironment.runProduct("inspect-shards", ["verify", "s3://private/ds"],
                                                      environment: server.environment(credentials: Self.credentials))
        #expect(verified.status == 0 && verified.output.contains("sound: 6 shards, 36 records"), "\(verified.output)\(verified.errors)")
        let again = try Self.build(Self.localManifest(f), out: "s3://private/ds", server)
        #expect(again.status == 1 && again.errors.contains("s3://private/ds: already holds a finished dataset"), "\(again.errors)")

        let cacheDir = TestEnvironment.temporaryDirectory() + "/cache"
        let cache = try ShardCache(.init(directory: cacheDir, maxBytes: 1 << 30))
        let cached = RemoteStorage(location: "s3://private/ds", cache: cache)
        for (seed, shuffle) in [(UInt64(3), ShuffleMode.global), (9, .shardBuffered(shards: 2, buffer: 8)), (4, .none)] {
            for worldSize in [1, 2, 3] {
                for rank in 0..<worldSize {
                    let expected = try PairLoader(Self.config(nil, directory: reference, seed: seed, rank: rank, worldSize: worldSize, shuffle: shuffle))
                    let direct = try PairLoader(Self.config(storage, directory: "s3://private/ds", seed: seed, rank: rank, worldSize: worldSize, shuffle: shuffle))
                    let viaCache = try PairLoader(Self.config(cached, directory: "s3://private/ds", seed: seed, rank: rank, worldSize: worldSize, shuffle: shuffle))
                    for e in 0..<2 {
                        let want = try Self.epoch(expected, e)
                        #expect(!want.isEmpty)
                        let (d, c) = (try Self.epoch(direct, e), try Self.epoch(viaCache, e))
                        #expect(d == want, "seed \(seed) \(shuffle) rank \(rank)/\(worldSize) epoch \(e), direct")
                        #expect(c == want, "seed \(seed) \(shuffle) rank \(rank)/\(worldSize) epoch \(e), cached")
                    }
                }
            }
        }
        // Resume after 2 batches of epoch 1 from a saved state: the rest equals the uninterrupted run.
        let whole = try Self.epoch(try PairLoader(Self.config(nil, directory: reference)), 1)
        let first = try PairLoader(Self.config(cached, directory: "s3://private/ds"))
        _ = try Self.epoch(first, 1, limit: 2)
        let resumed = try PairLoader(Self.config(cached, directory: "s3://private/ds"), state: first.state)
        var rest: [[String]] = []
        try resumed.forEach { rest.append(Self.fingerprint($0)) }
        #expect(rest == Array(whole.dropFirst(2)))
        // The cache now holds every shard, whole and named by SHA-256, and nothing partial.
        Thread.sleep(forTimeInterval: 1)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cacheDir)
        #expect(Set(entries.filter { $0.hasSuffix(".gpshard") }) == Set(local.shards.map { $0.sha256 + ".gpshard" }), "\(entries)")
        #expect(!entries.contains { $0.hasSuffix(".partial") })

        // Trained from the bucket: the same losses as from the local copy.
        func train(_ dataset: String) throws -> [String] {
            let run = TestEnvironment.temporaryDirectory() + "/run"
            let r = try TestEnvironment.runProduct("train-msad", ["train", dataset, "--sensors", "s2,s1", "--out", run, "--steps", "3", "--batch", "4",
                                                                  "--width", "16", "--depth", "1", "--heads", "2", "--projection", "8",
                                                                  "--blas-threads", "1", "--cache", cacheDir],
                                                   environment: server.environment(credentials: Self.credentials))
            #expect(r.status == 0, "\(r.errors)")
            let log = (try? String(contentsOfFile: run + "/log.jsonl", encoding: .utf8)) ?? ""
            return log.split(separator: "\n").map { line in
                String(line.split(separator: ",").first { $0.contains("\"loss\"") } ?? "")
            }
        }
        let (fromBucket, fromDisk) = (try train("s3://private/ds"), try train(reference))
        #expect(fromBucket.count == 3 && fromBucket == fromDisk, "\(fromBucket) \(fromDisk)")
    }
}


extension RemoteDatasetTests {
    @Test("an interrupted build into a bucket never looks finished and resumes from the bucket's journal on another machine")
    func interruptedBuildResumes() throws {
        if let reason = ObjectStoreTests.skipReason() { print("notice: remote dataset tests skipped: \(reason)"); return }
        let (f, reference, server) = try Self.setUp()
        defer { server.stop() }
        let manifest = try Self.localManifest(f)
        let crashed = try Self.build(manifest, out: "s3://private/ds2", server, extra: ["--staging", TestEnvironment.temporaryDirectory() + "/a"],
                                     env: ["GEOPAIRS_CRASH_AFTER_SHARDS": "2"])
        #expect(crashed.status == 86, "\(crashed.errors)")
        let keys = VirtualListing.keys(server, prefix: "ds2/")
        #expect(!keys.contains("ds2/dataset.json") && keys.filter { $0.hasPrefix("ds2/shards/") }.count == 2
                && keys.filter { $0.hasPrefix("ds2/.geopairs-journal/line-") }.count == 3, "\(keys)")
        let reader = try? DatasetReader(storage: RemoteStorage(location: "s3://private/ds2"))
        #expect(reader == nil)
        // A fresh staging directory: nothing local survives, the bucket's journal says what is done.
        let resumed = try Self.build(manifest, out: "s3://private/ds2", server, extra: ["--staging", TestEnvironment.temporaryDirectory() + "/b"])
        #expect(resumed.status == 0 && resumed.output.contains("resumed with 12 records already written"), "\(resumed.output)\(resumed.errors)")
        #expect(try DatasetIndex.load(storage: RemoteStorage(location: "s3://private/ds2")).shards == DatasetIndex.load(directory: reference).shards)
        let after = VirtualListing.keys(server, prefix: "ds2/")
        #expect(after.contains("ds2/dataset.json") && !after.contains { $0.contains(".geopairs-journal") }, "\(after)")
    }

    @Test("faults: the server gone mid-epoch and back, gone for good (bounded, named), a corrupted object (skip/fail, not cached), a full cache disk")
    func faults() throws {
        if let reason = ObjectStoreTests.skipReason() { print("notice: remote dataset tests skipped: \(reason)"); return }
        let (f, reference, server) = try Self.setUp()
        defer { server.stop() }
        let built = try Self.build(Self.localManifest(f), out: "s3://private/ds", server)
        #expect(built.status == 0, "\(built.errors)")
        let want = try Self.epoch(try PairLoader(Self.config(nil, directory: reference)), 0)

        // Stopped after the first batch, back 2 s later: the loader waits and goes on, same batches.
        let loader = try PairLoader(Self.config(RemoteStorage(location: "s3://private/ds"), directory: "s3://private/ds"))
        let iterator = loader.makeIterator()
        var got = [Self.fingerprint(try #require(try iterator.nextBatch()))]
        server.kill()
        let restarted = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let restarting = server   // used by that thread only until the semaphore
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 2)
            try? restarting.start()
            restarted.signal()
        }
        while let b = try iterator.nextBatch() { got.append(Self.fingerprint(b)) }
        restarted.wait()
        #expect(got == want)

        // Gone for longer than the policy allows: an error naming the object and the request.
        let impatient = try PairLoader(Self.config(RemoteStorage(location: "s3://private/ds", retry: RetryPolicy(timeout: 2)),
                                                   directory: "s3://private/ds"))
        server.kill()
        let start = Date()
        #expect {
            _ = try Self.epoch(impatient, 0)
        } throws: { error in
            let text = "\(error)"
            return text.contains("s3://private/ds/shards/train-0000") && text.contains("GET bytes=") && text.contains("attempts")
        }
        #expect(Date().timeIntervalSince(start) < 60)
        try server.start()

        // One byte flipped in the bucket's copy of a shard: zstd's checksum finds it; skip or fail.
        let index = try DatasetIndex.load(directory: reference)
        let victim = index.shards[1]
        let shard = try ShardReader(path: reference + "/" + victim.file)
        let frame = try #require(try shard.frame(record: 2, sensor: "s2"))
        var bytes = try #require(FileManager.default.contents(atPath: reference + "/" + victim.file))
        bytes[frame.offset + frame.size / 2] ^= 0x40
        let damaged = TestEnvironment.temporaryDirectory() + "/damaged.gpshard"
        try bytes.write(to: URL(fileURLWithPath: damaged))
        try server.upload(damaged, bucket: "private", key: "ds/" + victim.file)
        let cacheDir = TestEnvironment.temporaryDirectory() + "/cache"
        let cached = RemoteStorage(location: "s3://private/ds", cache: try ShardCache(.init(directory: cacheDir, maxBytes: 1 << 30)))
        let skipping = try PairLoader(Self.config(cached, directory: "s3://private/ds", corrupt: .skip))
        let skippedEpoch = try Self.epoch(skipping, 0)
        #expect(skipping.skippedRecords.count == 1 && skipping.skippedRecords[0].hasPrefix("\(victim.file), record 2 ("), "\(skipping.skippedRecords)")
        #expect(skippedEpoch.count == want.count)
        let failing = try PairLoader(Self.config(RemoteStorage(location: "s3://private/ds"), directory: "s3://private/ds"))
        #expect { _ = try Self.epoch(failing, 0) } throws: { "\($0)".contains("corrupt record in \(victim.file), record 2") }
        Thread.sleep(forTimeInterval: 1)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cacheDir)
        #expect(!entries.contains(victim.sha256 + ".gpshard") && entries.filter { $0.hasSuffix(".gpshard") }.count == 5, "\(entries)")
        try server.upload(reference + "/" + victim.file, bucket: "private", key: "ds/" + victim.file)

        // A cache on a full disk: every read goes to the bucket, the batches stay the same.
        let full = TestEnvironment.temporaryDirectory() + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        guard (try? TestEnvironment.run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", full]))?.status == 0 else {
            print("notice: full-cache-disk check skipped: cannot mount a small tmpfs here (needs root)")
            return
        }
        defer { _ = try? TestEnvironment.run("umount", [full]) }
        let onFullDisk = RemoteStorage(location: "s3://private/ds", cache: try ShardCache(.init(directory: full, maxBytes: 1 << 30)))
        let reader = try PairLoader(Self.config(onFullDisk, directory: "s3://private/ds"))
        let expected = try PairLoader(Self.config(nil, directory: reference))
        for e in 0..<2 { #expect(try Self.epoch(reader, e) == Self.epoch(expected, e)) }
        let problems = reader.reader.shards.compactMap { ($0.source as? CachedByteSource)?.cacheProblem }
        #expect(problems.contains { $0.contains("No space left on device") }, "\(problems)")
    }
}

/// The keys under a prefix of the server's `private` bucket, listed with S3's ListObjectsV2.
enum VirtualListing {
    static func keys(_ server: ObjectStoreServer, prefix: String) -> [String] {
        let r = try? TestEnvironment.run("curl", ["-s", "--user", "\(ObjectStoreServer.accessKey):\(ObjectStoreServer.secretKey)",
                                                  "--aws-sigv4", "aws:amz:us-east-1:s3",
                                                  "http://127.0.0.1:\(server.s3Port)/private?list-type=2&prefix=" + prefix.replacingOccurrences(of: "/", with: "%2F")])
        return (r?.output ?? "").components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    }
}
