import Foundation
import ShardFormat
import Testing
import TestSupport

/// `Tests/Fixtures/v1-dataset`: four records written by the format-v1 writer (build-dataset before
/// format v2) from an 8×8 synthetic raster at 10 m in EPSG:32631, in 40 m patches: `opt` (u16, bands
/// `100 + 10·row + col` and `1000 + (row·col) mod 17`, nearest neighbour, so patches equal the raster)
/// and `dem` (f32, 20 m average; the 2×2 corner at rows 0–1, columns 6–7 is nodata). Readers must keep
/// reading it as the format moves on.
@Suite("Format v1 fixture")
struct FormatV1FixtureTests {
    static let directory = "\(TestEnvironment.repositoryRoot)/Tests/Fixtures/v1-dataset"

    @Test("The v1 fixture opens, verifies and holds the raster's values")
    func readsV1() throws {
        #expect(DatasetVerifier.verify(directory: Self.directory).isSound)
        let reader = try DatasetReader(directory: Self.directory)
        #expect(reader.index.formatVersion == 1 && reader.index.splits == ["train": 3, "val": 1])
        let codec = ZstdCodec()
        var masked = 0
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            let opt = try #require(meta.sensor("opt"))
            let (row0, col0) = (Int((5_000_000 - opt.geotransform.originY) / 10), Int((opt.geotransform.originX - 500_000) / 10))
            let bytes = try reader.readArray(at: location, sensor: "opt", codec: codec)
            let values = bytes.withUnsafeBytes { raw in (0..<32).map { DType.u16.value(in: raw, at: $0) } }
            for r in 0..<4 {
                for c in 0..<4 {
                    let (row, col) = (row0 + r, col0 + c)
                    #expect(values[r * 4 + c] == Double(100 + 10 * row + col), "\(meta.key) b1 (\(r), \(c))")
                    #expect(values[16 + r * 4 + c] == Double(1000 + (row * col) % 17), "\(meta.key) b2 (\(r), \(c))")
                }
            }
            if try reader.shards[location.shard].frame(record: location.record, sensor: "dem", kind: .mask) != nil {
                let mask = try reader.readArray(at: location, sensor: "dem", kind: .mask, codec: codec)
                #expect(row0 == 0 && col0 == 4 && mask == [1, 0, 1, 1])
                masked += 1
            }
        }
        #expect(masked == 1)
    }
}
