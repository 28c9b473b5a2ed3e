import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Records are reproducible: the same bytes for any block layout, and rebuilt by `gdalwarp` from
/// the metadata the dataset stores — here for a mosaic of tiles in two CRSs downsampled with two
/// resamplings, and a DEM downsampled across CRSs.
@Suite("Reproducible warps", .enabled(if: TestEnvironment.hasRealData), .serialized)
struct ReproducibleWarpTests {
    /// A folder with two overlapping tiles of the Aberystwyth Sentinel-2 scene, one reprojected to
    /// EPSG:4326, and a manifest (inputs relative to it) for `blockCells`.
    static func mosaicManifest(blockCells: Int, errorThreshold: Double = 0, patch: Int = 960) throws -> String {
        let folder = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(folder)/tiles", withIntermediateDirectories: true)
        let s2 = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "0", "0", "200", "339", s2, "\(folder)/tiles/a.tif"])
        try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "150", "0", "174", "339", s2, "\(folder)/b27700.tif"])
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", "EPSG:4326", "-r", "near", "\(folder)/b27700.tif", "\(folder)/tiles/b.tif"])
        let manifest = """
        {"name": "mosaic", "grid": {"crs": "EPSG:32630", "patchSize": \(patch), "stride": \(patch), "blockCells": \(blockCells),
                  "errorThreshold": \(errorThreshold)},
         "sensors": [
           {"name": "s2", "inputs": ["tiles"], "dtype": "u16", "gsd": 20, "maxInvalidFraction": 0.5,
            "bands": [{"name": "b1", "resampling": "average"}, {"name": "b2", "resampling": "average"},
                      {"name": "b4", "index": 4, "resampling": "bilinear"}]},
           {"name": "dem", "inputs": ["\(TestEnvironment.real("aber_srtm_epsg4326.tif"))"], "bands": ["h"], "gsd": 60,
            "dtype": "f32", "resampling": "cubic"}],
         "pairing": {"require": ["s2", "dem"]},
         "splits": {"blockSize": 5000, "fractions": {"train": 0.5, "test": 0.5}, "seed": 3},
         "sharding": {"maxRecords": 8}}
        """
        let path = "\(folder)/manifest.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(manifest.utf8))
        return path
    }

    @Test("A mosaic across CRSs and a cross-CRS DEM: the same bytes for blockCells 1 and 3, and every record rebuilds with gdalwarp")
    func mosaicAnyBlockLayout() throws {
        let small = try Self.mosaicManifest(blockCells: 1)
        let large = try Self.mosaicManifest(blockCells: 3)
        let a = try DatasetReader(directory: try Fixtures.build(small))
        let b = try DatasetReader(directory: try Fixtures.build(large))
        #expect(a.locations().count >= 3)
        #expect(a.index.inputs.map(\.path).filter { $0.hasPrefix("tiles/") } == ["tiles/a.tif", "tiles/b.tif"])
        // Some records must really be mosaics of both tiles.
        var mosaics = 0
        let codec = ZstdCodec()
        for location in a.locations() {
            let key = a.key(at: location)
            let other = try #require(b.locate(key: key))
            for sensor in ["s2", "dem"] {
                #expect(try a.readArray(at: location, sensor: sensor, codec: codec) == b.readArray(at: other, sensor: sensor, codec: codec),
                        "\(key) \(sensor) depends on the block layout")
            }
            if try a.metadata(at: location).sensor("s2")!.sources.count == 2 { mosaics += 1 }
        }
        #expect(mosaics > 0)
        let recipe = try #require(a.index.sensor("s2")?.warp)
        #expect(recipe.resampling == ["average", "average", "bilinear"] && recipe.sourceBands == [1, 2, 4])
        // The documented rule: per axis, the lower median of the files' own scales (of two files, the smaller).
        let folder = (small as NSString).deletingLastPathComponent
        let own = try ["a", "b"].map { try KernelScale.of(try Raster(path: "\(folder)/tiles/\($0).tif"), pixelSize: 20, gridCRS: try CRS(epsg: 32630)) }
        #expect(abs(own[0][0] - 0.5) < 1e-6 && abs(own[0][1] - 0.5) < 1e-6, "the EPSG:27700 tile: 10 m onto 20 m")
        #expect(recipe.kernelScale.allSatisfy { $0 == [min(own[0][0], own[1][0]), min(own[0][1], own[1][1])] }, "\(recipe.kernelScale) from \(own)")
        try RecordRebuilder.expectEveryRecordRebuilds(a.directory, manifestDirectory: folder)
    }

    /// `grid.errorThreshold` trades the exact transformation for GDAL's approximate one: what is
    /// still guaranteed is determinism and a rebuild over the window each record stores.
    @Test("errorThreshold 0.125: the same bytes for any --jobs and after a crash and resume; every record rebuilds with gdalwarp -et 0.125 over its stored window")
    func approximateWarp() throws {
        // 480 m cells: blocks hold cells of one tile and of both.
        let manifest = try Self.mosaicManifest(blockCells: 3, errorThreshold: 0.125, patch: 480)
        let folder = (manifest as NSString).deletingLastPathComponent
        let one = try Fixtures.build(manifest, jobs: 1), two = try Fixtures.build(manifest, jobs: 2)
        let a = try DatasetIndex.load(directory: one)
        #expect(a.shards.map(\.sha256) == (try DatasetIndex.load(directory: two)).shards.map(\.sha256))
        let recipe = try #require(a.sensor("s2")?.warp)
        #expect(recipe.errorThreshold == 0.125 && recipe.warpMemoryMiB == 256)
        let reader = try DatasetReader(directory: one)
        let s2 = try reader.locations().map { try #require(try reader.metadata(at: $0).sensor("s2")) }
        #expect(try reader.locations().allSatisfy { try reader.metadata(at: $0).sensors.allSatisfy { $0.warpWindow != nil } })
        // One warp per block: records of one tile and of both tiles are cut from the same window.
        let choices = Dictionary(grouping: s2, by: { $0.warpWindow! }).mapValues { Set($0.map(\.sources)).count }
        #expect(choices.values.contains { $0 > 1 }, "\(choices)")
        try RecordRebuilder.expectEveryRecordRebuilds(one, manifestDirectory: folder)

        // The exact build's records store no window, and the approximation really moved pixels.
        let exact = try DatasetReader(directory: try Fixtures.build(try Self.mosaicManifest(blockCells: 3, patch: 480)))
        #expect(exact.index.sensor("s2")?.warp?.warpMemoryMiB == nil)
        var differing = 0, total = 0
        let codec = ZstdCodec()
        for location in reader.locations() {
            let other = try #require(exact.locate(key: reader.key(at: location)))
            #expect(try exact.metadata(at: other).sensors.allSatisfy { $0.warpWindow == nil })
            let (x, y) = (try reader.readArray(at: location, sensor: "s2", codec: codec), try exact.readArray(at: other, sensor: "s2", codec: codec))
            differing += zip(x, y).filter { $0 != $1 }.count
            total += x.count
        }
        print("errorThreshold 0.125: \(differing) of \(total) s2 bytes differ from the exact build")
        #expect(differing > 0)

        // Killed after its first shard (8 records: a block of up to 9 cells is cut mid-way) and resumed.
        let out = TestEnvironment.temporaryDirectory() + "/crashed"
        let crashed = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--jobs", "2"],
                                                     environment: ["GEOPAIRS_CRASH_AFTER_SHARDS": "1"])
        #expect(crashed.status == 86)
        let resumed = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", out, "--jobs", "1"])
        #expect(resumed.status == 0 && resumed.output.contains("resumed"), "\(resumed.errors)")
        #expect(try DatasetIndex.load(directory: out).shards.map(\.sha256) == a.shards.map(\.sha256))
    }
}
