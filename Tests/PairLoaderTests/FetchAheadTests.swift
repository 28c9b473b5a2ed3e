import Foundation
import PairLoader
import ShardFormat
import TestSupport
import Testing

/// The remote read path (each batch's records fetched ahead, 16 at a time, then decoded from
/// memory) on local files, so that it runs in every test pass and under the sanitizers.
@Suite("Fetch-ahead read path")
struct FetchAheadTests {
    /// A local directory whose shards say they are remote.
    struct RemoteLike: DatasetStorage {
        struct Source: ByteSource {
            let file: FileByteSource
            var name: String { file.name }
            var size: Int { file.size }
            var fetchesAhead: Bool { true }
            func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws { try file.read(at: offset, into: destination) }
        }
        let local: LocalStorage
        var location: String { local.location }
        var isRemote: Bool { true }
        func contents(of file: String, maxBytes: Int) throws -> [UInt8]? { try local.contents(of: file, maxBytes: maxBytes) }
        func byteSource(for shard: ShardInfo) throws -> any ByteSource {
            Source(file: try FileByteSource(path: local.path(of: shard.file)))
        }
        func path(of file: String) -> String { local.path(of: file) }
    }

    @Test("batches read ahead equal those read as decoded, for global, shard-buffered and ordered epochs, augmented, with 3 ranks")
    func sameBatches() throws {
        let dir = try LoaderFixtures.numberedDataset()
        for shuffle in [ShuffleMode.global, .shardBuffered(shards: 2, buffer: 6), .none] {
            for rank in 0..<3 {
                func config(_ storage: (any DatasetStorage)?) -> LoaderConfig {
                    LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 4, shuffle: shuffle, seed: 7, rank: rank, worldSize: 3,
                                 workers: 2, prefetch: 2, remainder: .pad,
                                 augmentation: Augmentation(flipsHorizontally: true, rotates90: true), storage: storage)
                }
                let plain = try PairLoader(config(nil))
                let ahead = try PairLoader(config(RemoteLike(local: LocalStorage(directory: dir))))
                for epoch in 0..<2 {
                    plain.setEpoch(epoch)
                    ahead.setEpoch(epoch)
                    let (want, got) = (try LoaderFixtures.drain(plain), try LoaderFixtures.drain(ahead))
                    #expect(!want.isEmpty && want.count == got.count)
                    for (w, g) in zip(want, got) {
                        #expect(w.keys == g.keys && w.padding == g.padding && w.a == g.a && w.b == g.b, "\(shuffle) rank \(rank) epoch \(epoch)")
                    }
                }
            }
        }
    }

    @Test("a URL given as a local directory is refused, not read as a folder named s3:")
    func remoteLocationNeedsStorage() throws {
        #expect { _ = try PairLoader(LoaderConfig(directory: "s3://bucket/dataset", sensors: ["a"], batchSize: 2)) } throws: {
            "\($0)".contains("s3://bucket/dataset: is in object storage")
        }
    }
}
