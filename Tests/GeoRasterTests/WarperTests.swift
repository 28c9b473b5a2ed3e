import Foundation
@testable import GeoRaster
import TestSupport
import Testing

/// The target grid of a test: the footprint of `source` in `crs`, snapped outwards to `pixelSize`.
func snappedGrid(around source: String, crs: CRS, pixelSize: Double) throws -> GridSpec {
    let bounds = try #require(try Raster(path: source).footprint().transformed(to: crs).bounds)
    let snapped = BoundingBox(
        minX: (bounds.minX / pixelSize).rounded(.down) * pixelSize,
        minY: (bounds.minY / pixelSize).rounded(.down) * pixelSize,
        maxX: (bounds.maxX / pixelSize).rounded(.up) * pixelSize,
        maxY: (bounds.maxY / pixelSize).rounded(.up) * pixelSize)
    return try GridSpec(crs: crs, bounds: snapped, pixelSize: pixelSize)
}

/// Warps one file with GeoRaster and with the `gdalwarp` CLI using the same options, and expects
/// identical pixels and a validity mask equal to the CLI's own `-dstalpha` band.
func expectWarpMatchesGDALWarp<T: RasterScalar>(
    _ path: String, grid: GridSpec, resampling: Resampling, as type: T.Type,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let ours = try Warper.warp([WarpInput(try Raster(path: path), resampling: resampling)], onto: grid, as: T.self)
    let plain = try GDALCommand.gdalwarp([path], onto: grid, resampling: resampling, as: T.self)
    #expect(ours.pixels.count == plain.pixels.count, sourceLocation: sourceLocation)
    let differing = zip(ours.pixels, plain.pixels).filter { $0 != $1 && !($0.isNaNValue && $1.isNaNValue) }.count
    #expect(differing == 0, "\(differing) of \(plain.pixels.count) values differ from gdalwarp", sourceLocation: sourceLocation)

    let withAlpha = try GDALCommand.gdalwarp([path], onto: grid, resampling: resampling, as: Float.self, extra: ["-dstalpha"])
    let alpha = withAlpha.pixels.suffix(grid.pixelCount)
    let expectedMask = alpha.map { $0 > 0 ? UInt8(1) : 0 }
    let maskDiffers = zip(ours.validity, expectedMask).filter { $0 != $1 }.count
    // NaN sources are the only pixels we may mark invalid beyond gdalwarp's alpha.
    if !T.dataType.isFloatingPoint {
        #expect(maskDiffers == 0, "validity differs from gdalwarp's alpha at \(maskDiffers) pixels", sourceLocation: sourceLocation)
    }
    #expect(ours.validFraction > 0.3, sourceLocation: sourceLocation)
}

@Suite("Warp equals gdalwarp", .enabled(if: TestEnvironment.hasRealData))
struct WarperTests {
    @Test("Sentinel-2 EPSG:27700 → UTM 30N at 10 m, bilinear")
    func sentinel2Bilinear() throws {
        let path = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        let grid = try snappedGrid(around: path, crs: try CRS(epsg: 32630), pixelSize: 10)
        try expectWarpMatchesGDALWarp(path, grid: grid, resampling: .bilinear, as: UInt16.self)
    }

    @Test("Sentinel-2 EPSG:27700 → UTM 30N at 30 m, average")
    func sentinel2Average() throws {
        let path = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        let grid = try snappedGrid(around: path, crs: try CRS(epsg: 32630), pixelSize: 30)
        try expectWarpMatchesGDALWarp(path, grid: grid, resampling: .average, as: UInt16.self)
    }

    @Test("SRTM EPSG:4326 → the Sentinel-2 UTM grid at 30 m, bilinear")
    func srtmOntoUTM() throws {
        let grid = try snappedGrid(around: TestEnvironment.real("aber_s2_20210527_epsg27700.tif"), crs: try CRS(epsg: 32630), pixelSize: 30)
        try expectWarpMatchesGDALWarp(TestEnvironment.real("aber_srtm_epsg4326.tif"), grid: grid, resampling: .bilinear, as: Int16.self)
    }

    @Test("Aerial RGB in a custom foot-based WKT → UTM 10N at 0.5 m, cubic")
    func autzenCubic() throws {
        let path = TestEnvironment.real("autzen_rgb_1ft.tif")
        let source = try Raster(path: path)
        #expect(try source.crs.epsg != 32610)
        let grid = try snappedGrid(around: path, crs: try CRS(epsg: 32610), pixelSize: 0.5)
        try expectWarpMatchesGDALWarp(path, grid: grid, resampling: .cubic, as: UInt8.self)
    }

    @Test("A raster warped onto its own grid gives back its own pixels", arguments: [Resampling.near, .bilinear, .cubic, .average])
    func ownGridIsIdentity(resampling: Resampling) throws {
        let raster = try Raster(path: TestEnvironment.real("gefolki_s1_patch11.tif"))
        let t = try raster.geoTransform
        let grid = try GridSpec(crs: try raster.crs, originX: t.originX, originY: t.originY,
                                pixelSize: t.pixelWidth, width: raster.width, height: raster.height)
        let warped = try Warper.warp([WarpInput(raster, resampling: resampling)], onto: grid, as: Float.self)
        let source: [Float] = try raster.read()
        #expect(warped.pixels == source)
        #expect(warped.validFraction == 1)
    }

    @Test("The +30 m shifted copy equals the original shifted by 3 pixels on their overlap")
    func knownShift() throws {
        let original = try Raster(path: TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))
        let shifted = try Raster(path: TestEnvironment.real("aber_s2_b123_offset30m.tif"))
        let grid = try snappedGrid(around: original.path, crs: try original.crs, pixelSize: 10)
        let a = try Warper.warp([WarpInput(original, bands: [1, 2, 3], resampling: .bilinear)], onto: grid, as: UInt16.self)
        let b = try Warper.warp([WarpInput(shifted, resampling: .bilinear)], onto: grid, as: UInt16.self)
        // The shifted file's pixel at ground (x, y) is the original's at (x − 30, y − 30):
        // on the grid, b[row][col] == a[row + 3][col − 3].
        var compared = 0, equal = 0
        for band in 0..<3 {
            for row in 0..<(grid.height - 3) {
                for col in 3..<grid.width {
                    let i = row * grid.width + col, j = (row + 3) * grid.width + (col - 3)
                    guard b.validity[i] == 1, a.validity[j] == 1 else { continue }
                    compared += 1
                    if b.pixels[band * grid.pixelCount + i] == a.pixels[band * grid.pixelCount + j] { equal += 1 }
                }
            }
        }
        #expect(compared > 3 * 300 * 300)
        #expect(equal == compared)
    }

    @Test("Warping from several threads, each with its own handles, gives the serial bytes")
    func concurrentWarpsMatchSerial() throws {
        let path = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        let grid = try snappedGrid(around: path, crs: try CRS(epsg: 32630), pixelSize: 20)
        let serial = try Warper.warp([WarpInput(try Raster(path: path), resampling: .bilinear)], onto: grid, as: UInt16.self)
        let results = ResultBox<[UInt16]>(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results.set(i, try? Warper.warp([WarpInput(try Raster(path: path), resampling: .bilinear)], onto: grid, as: UInt16.self).pixels)
        }
        for i in 0..<8 { #expect(results.get(i) == serial.pixels) }
    }

    @Test("A mosaic of two files in different CRSs fills the grid from both")
    func mosaicAcrossCRSs() throws {
        // The 10 m SRTM (EPSG:27700) and the original SRTM (EPSG:4326) cover the same area; a
        // mosaic warp must equal gdalwarp's own multi-source result.
        let paths = [TestEnvironment.real("aber_srtm_epsg4326.tif"), TestEnvironment.real("aber_srtm_10m_epsg27700.tif")]
        let grid = try snappedGrid(around: TestEnvironment.real("aber_s2_20210527_epsg27700.tif"), crs: try CRS(epsg: 32630), pixelSize: 30)
        let ours = try Warper.warp([WarpInput(rasters: try paths.map { try Raster(path: $0) }, resampling: .bilinear)],
                                   onto: grid, as: Int16.self)
        let reference = try GDALCommand.gdalwarp(paths, onto: grid, resampling: .bilinear, as: Int16.self)
        #expect(ours.pixels == reference.pixels)
    }

    @Test("Exact mosaics of overlapping tiles with a fixed kernel scale warp each tile over its reach and equal gdalwarp",
          arguments: [(Resampling.bilinear, 20.0), (.cubic, 30.0), (.average, 40.0), (.near, 10.0)])
    func mosaicOfTilesOverTheirReach(resampling: Resampling, pixelSize: Double) throws {
        // Four overlapping tiles of a 10 m scene (EPSG:27700), in an order where later tiles
        // overwrite earlier ones, onto UTM: each tile reaches part of the grid only.
        let scene = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        let directory = TestEnvironment.temporaryDirectory()
        var tiles: [String] = []
        for (x, y) in [(0, 0), (150, 0), (0, 160), (150, 160)] {
            let tile = "\(directory)/tile_\(x)_\(y).tif"
            try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "\(x)", "\(y)", "174", "179", scene, tile])
            tiles.append(tile)
        }
        let grid = try snappedGrid(around: scene, crs: try CRS(epsg: 32630), pixelSize: pixelSize)
        let scale = [10 / pixelSize, 10 / pixelSize]
        let rasters = try tiles.map { try Raster(path: $0) }
        let windows = try rasters.map { try #require(try Warper.reach(of: $0, resampling: resampling, kernelScale: scale, grid: grid)) }
        #expect(windows.allSatisfy { $0.pixelCount < grid.pixelCount * 3 / 4 }, "each tile reaches part of the grid: \(windows)")
        let ours = try Warper.warp([WarpInput(rasters: rasters, resampling: resampling, kernelScale: scale)], onto: grid, as: UInt16.self,
                                   options: WarpOptions(errorThreshold: 0))
        let exact = ["-et", "0", "-wo", "XSCALE=\(scale[0])", "-wo", "YSCALE=\(scale[1])"]
        let reference = try GDALCommand.gdalwarp(tiles, onto: grid, resampling: resampling, as: UInt16.self, extra: exact)
        let differing = zip(ours.pixels, reference.pixels).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(reference.pixels.count) values differ from gdalwarp")
        let alpha = try GDALCommand.gdalwarp(tiles, onto: grid, resampling: resampling, as: UInt16.self, extra: exact + ["-dstalpha"])
        let expectedMask = alpha.pixels.suffix(grid.pixelCount).map { $0 > 0 ? UInt8(1) : 0 }
        #expect(ours.validity == Array(expectedMask))
    }
}

@Suite("A source's reach")
struct WarpReachTests {
    @Test("A source whose outline leaves the grid CRS's domain reaches the whole grid, without a crash")
    func worldRasterReachesTheWholeGrid() throws {
        let path = TestEnvironment.temporaryDirectory() + "/world.tif"
        try RasterWriter.writeGeoTIFF(path: path, width: 360, height: 160, dataType: .u8, bytes: [UInt8](repeating: 1, count: 360 * 160),
                                      bandNames: ["b"], geoTransform: GeoTransform([-180, 1, 0, 80, 0, -1]), crs: try CRS(epsg: 4326))
        // UTM transforms the whole outline, to huge values far from its zone; an orthographic view
        // of Wales cannot draw the far side of the world, so vertices drop out of the outline.
        let grids = [try GridSpec(crs: try CRS(epsg: 32630), bounds: BoundingBox(minX: 400_000, minY: 5_700_000, maxX: 420_000, maxY: 5_720_000),
                                  pixelSize: 100),
                     try GridSpec(crs: try CRS("+proj=ortho +lat_0=52 +lon_0=-4 +datum=WGS84 +units=m +no_defs"),
                                  bounds: BoundingBox(minX: -10_000, minY: -10_000, maxX: 10_000, maxY: 10_000), pixelSize: 100)]
        for grid in grids {
            let reach = try Warper.reach(of: try Raster(path: path), resampling: .bilinear, kernelScale: [1, 1], grid: grid)
            #expect(reach == PixelWindow(x: 0, y: 0, width: grid.width, height: grid.height), "\(grid.crs)")
        }
    }
}

/// A lock-protected slot array for collecting results from `concurrentPerform`.
final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T?) { lock.withLock { slots[i] = value } }
    func get(_ i: Int) -> T? { lock.withLock { slots[i] } }
}
