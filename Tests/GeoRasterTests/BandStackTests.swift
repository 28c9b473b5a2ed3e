import Foundation
import GeoRaster
import TestSupport
import Testing

@Suite("Band-separate files stacked into one source", .enabled(if: TestEnvironment.hasBigEarthNet))
struct BandStackTests {
    static let bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]
    static let tenMetre: Set = ["B02", "B03", "B04", "B08"]

    @Test("A BigEarthNet S2 patch: 10 m bands equal their files, 20/60 m bands equal gdalwarp of theirs")
    func stackSentinel2Patch() throws {
        let root = try #require(TestEnvironment.bigEarthNet)
        let patch = "S2A_MSIL2A_20170613T101031_87_48"
        let files = Self.bands.map { "\(root)/BigEarthNet-S2-Example/\(patch)/\(patch)_\($0).tif" }
        let reference10m = try Raster(path: files[1])
        let t = try reference10m.geoTransform
        let grid = try GridSpec(crs: try reference10m.crs, originX: t.originX, originY: t.originY,
                                pixelSize: 10, width: reference10m.width, height: reference10m.height)
        let inputs = try files.map { WarpInput(try Raster(path: $0), resampling: .bilinear) }
        let stacked = try Warper.warp(inputs, onto: grid, as: UInt16.self)
        #expect(stacked.bandCount == 12)
        #expect(grid.width == 120 && grid.height == 120)

        for (i, band) in Self.bands.enumerated() {
            let plane = Array(stacked.pixels[(i * grid.pixelCount)..<((i + 1) * grid.pixelCount)])
            if Self.tenMetre.contains(band) {
                let source: [UInt16] = try Raster(path: files[i]).read()
                #expect(plane == source, "band \(band) differs from its file")
            } else {
                let reference = try GDALCommand.gdalwarp([files[i]], onto: grid, resampling: .bilinear, as: UInt16.self)
                #expect(plane == reference.pixels, "band \(band) differs from gdalwarp")
            }
        }
    }
}
