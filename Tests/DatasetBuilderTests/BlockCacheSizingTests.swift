import DatasetBuilder
import Foundation
import TestSupport
import Testing

@Suite("GDAL block cache sized to the build")
struct BlockCacheSizingTests {
    @Test("Every job's block of source pixels, within 64–512 MiB")
    func sizing() throws {
        // 10 km of 1 m pixels onto 10 m: blocks of 16 × 32 px cells = 512 px (5,120 m), each
        // reading 5,120² source pixels of 2 bytes.
        let path = TestEnvironment.temporaryDirectory() + "/large.vrt"
        let xml = """
        <VRTDataset rasterXSize="10000" rasterYSize="10000"><SRS>EPSG:32630</SRS><GeoTransform>400000, 1, 0, 5800000, 0, -1</GeoTransform>\
        <VRTRasterBand dataType="UInt16" band="1"></VRTRasterBand></VRTDataset>
        """
        _ = FileManager.default.createFile(atPath: path, contents: Data(xml.utf8))
        let plan = try Planner.plan(try ManifestParser.load(path: HostileBuildInputTests.manifest(input: path)))
        #expect(plan.manifest.grid.blockCells == 16)
        let perBlock = 5_120 * 5_120 * 2
        #expect(plan.blockCacheBytes(jobs: 2) == 2 * perBlock)
        #expect(plan.blockCacheBytes(jobs: 8) == 8 * perBlock)
        #expect(plan.blockCacheBytes(jobs: 12) == 512 << 20)
        #expect(plan.blockCacheBytes(jobs: 1) == 64 << 20)
        // A small build gets the floor.
        #expect(try HostileBuildInputTests.soundPlan().plan.blockCacheBytes(jobs: 2) == 64 << 20)
    }
}
