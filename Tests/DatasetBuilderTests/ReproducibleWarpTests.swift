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
    static func mosaicManifest(blockCells: Int) throws -> String {
        let folder = TestEnvironment.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(folder)/tiles", withIntermediateDirectories: true)
        let s2 = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "0", "0", "200", "339", s2, "\(folder)/tiles/a.tif"])
        try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "150", "0", "174", "339", s2, "\(folder)/b27700.tif"])
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", "EPSG:4326", "-r", "near", "\(folder)/b27700.tif", "\(folder)/tiles/b.tif"])
        let manifest = """
        {"name": "mosaic", "grid": {"crs": "EPSG:32630", "patchSize": 960, "stride": 960, "blockCells": \(blockCells)},
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
}
