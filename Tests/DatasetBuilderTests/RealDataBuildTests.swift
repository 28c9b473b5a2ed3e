import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import ShardInspection
import TestSupport
import Testing

/// SEN12MS-style pair: GeFolki Sentinel-1/Sentinel-2 on one 10 m grid, 50 % overlapping patches.
func gefolkiManifest() -> String {
    Fixtures.manifestFile("""
    {"name": "gefolki", "grid": {"crs": "EPSG:32631", "patchSize": 1280, "stride": 640, "blockCells": 2},
     "sensors": [
       {"name": "s1", "inputs": ["\(TestEnvironment.real("gefolki_s1_patch11.tif"))"], "bands": ["a", "b"], "gsd": 10, "dtype": "f32"},
       {"name": "s2", "inputs": ["\(TestEnvironment.real("gefolki_s2_patch11.tif"))"], "bands": ["r", "g", "b"], "gsd": 10, "dtype": "f32"}],
     "splits": {"blockSize": 2560, "fractions": {"train": 0.5, "val": 0.25, "test": 0.25}, "seed": 5},
     "sharding": {"maxRecords": 4}}
    """)
}

/// GeoPile-2-style pair: Sentinel-2 in EPSG:27700 at 10 m and SRTM in EPSG:4326 at 30 m, onto UTM 30N.
func aberManifest(extra: String = "") -> String {
    Fixtures.manifestFile("""
    {"name": "aber", "grid": {"crs": "EPSG:32630", "patchSize": 480, "stride": 480, "blockCells": 2},
     "sensors": [
       {"name": "s2", "inputs": ["\(TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))"],
        "bands": ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"], "gsd": 10, "dtype": "u16", "maxInvalidFraction": 0.2},
       {"name": "dem", "inputs": ["\(TestEnvironment.real("aber_srtm_epsg4326.tif"))"], "bands": ["h"], "gsd": 30, "dtype": "i16"}],
     "splits": {"blockSize": 960, "fractions": {"train": 0.6, "val": 0.2, "test": 0.2}, "seed": 1},
     "sharding": {"maxRecords": 4} \(extra)}
    """)
}

@Suite("Builds from real rasters", .enabled(if: TestEnvironment.hasRealData), .serialized)
struct RealDataBuildTests {
    @Test("GeFolki S1/S2 (SEN12MS style): every record rebuilds with gdalwarp from its stored metadata; splits never overlap")
    func gefolki() throws {
        let dir = try Fixtures.build(gefolkiManifest())
        #expect(DatasetVerifier.verify(directory: dir).isSound)
        try RecordRebuilder.expectEveryRecordRebuilds(dir)
        try expectNoSplitOverlap(dir)
    }

    @Test("Aberystwyth S2 (EPSG:27700) + SRTM (EPSG:4326) (GeoPile-2 style): every record rebuilds with gdalwarp from its stored metadata")
    func aberystwyth() throws {
        let dir = try Fixtures.build(aberManifest())
        let index = try DatasetIndex.load(directory: dir)
        #expect(index.sensors.map(\.shape) == [[10, 48, 48], [1, 16, 16]])
        // SRTM's own nodata is reported, in dataset.json and in every record (the manifest sets none).
        #expect(index.sensor("dem")?.nodata == -32767 && index.sensor("s2")?.nodata == nil)
        let reader = try DatasetReader(directory: dir)
        #expect(try reader.locations().allSatisfy { try reader.metadata(at: $0).sensor("dem").map { $0.nodata == -32767 } ?? true })
        try RecordRebuilder.expectEveryRecordRebuilds(dir)
        try expectNoSplitOverlap(dir)
    }

    /// No pixel of a val/test record lies in a train record: footprints of different splits never share area.
    func expectNoSplitOverlap(_ dir: String) throws {
        let reader = try DatasetReader(directory: dir)
        let metas = try reader.locations().map { try reader.metadata(at: $0) }
        #expect(Set(metas.map(\.split)).count >= 2, "the test dataset should span several splits")
        for a in metas where a.split == "train" {
            for b in metas where b.split != "train" {
                let overlapX = min(a.footprint.corners[2], b.footprint.corners[2]) - max(a.footprint.corners[0], b.footprint.corners[0])
                let overlapY = min(a.footprint.corners[3], b.footprint.corners[3]) - max(a.footprint.corners[1], b.footprint.corners[1])
                #expect(!(overlapX > 0 && overlapY > 0), "\(a.key) (train) overlaps \(b.key) (\(b.split))")
            }
        }
        // With 50 % overlap, records of the same split do overlap: the check above is not vacuous.
        let train = metas.filter { $0.split == "train" }
        if train.count > 1, train[0].footprint.corners[2] - train[0].footprint.corners[0] > 1000 {
            let overlapping = train.contains { a in train.contains { b in a.key != b.key && abs(a.footprint.corners[0] - b.footprint.corners[0]) < 1280 && abs(a.footprint.corners[1] - b.footprint.corners[1]) < 1280 } }
            #expect(overlapping)
        }
    }

    @Test("--jobs 1 and --jobs 2 give identical shards and index")
    func jobsDoNotChangeBytes() throws {
        let manifest = aberManifest()
        let one = try Fixtures.build(manifest, jobs: 1), two = try Fixtures.build(manifest, jobs: 2)
        let a = try DatasetIndex.load(directory: one), b = try DatasetIndex.load(directory: two)
        #expect(a.shards.count > 2)
        #expect(a.shards.map(\.sha256) == b.shards.map(\.sha256))
        #expect(try a.encoded() == b.encoded())
    }

    @Test("A build killed after its first shard and run again ends identical to an uninterrupted build")
    func resumeAfterCrash() throws {
        let manifest = aberManifest()
        let reference = try DatasetIndex.load(directory: try Fixtures.build(manifest, jobs: 2))
        let out = TestEnvironment.temporaryDirectory() + "/crashed"
        let crashed = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--jobs", "2"],
                                       environment: ["GEOPAIRS_CRASH_AFTER_SHARDS": "1"])
        #expect(crashed.status == 86)
        #expect(!FileManager.default.fileExists(atPath: out + "/dataset.json"))
        #expect(FileManager.default.fileExists(atPath: out + "/.geopairs-journal.jsonl"))
        let resumed = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--jobs", "1"])
        #expect(resumed.status == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("resumed"))
        let index = try DatasetIndex.load(directory: out)
        #expect(index.shards.map(\.sha256) == reference.shards.map(\.sha256))
        #expect(try index.encoded() == reference.encoded())
        // And a finished dataset is not overwritten without --force.
        // The library says what holds the output; the command line names the flag.
        let refused = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out])
        #expect(refused.status == 1 && refused.errors.contains("already holds a finished dataset (use --force to start over)"), "\(refused.errors)")
        #expect(try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--force"]).status == 0)
    }
}
