import Foundation
import GeoRaster
import TestSupport
import Testing

@Suite("Bad input gives typed errors naming the input")
struct BadInputTests {
    @Test("A missing file")
    func missingFile() {
        let path = "/nonexistent/geopairs/missing.tif"
        let error = #expect(throws: RasterError.self) { try Raster(path: path) }
        #expect(error?.kind == .open)
        #expect(error?.subject == path)
        #expect(error?.description.contains(path) == true)
    }

    @Test("A text file")
    func textFile() throws {
        let path = TestEnvironment.temporaryDirectory() + "/notes.txt"
        try "just some words\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: RasterError.self) { try Raster(path: path) }
        #expect(error?.kind == .open)
        #expect(error?.subject == path)
    }

    @Test("A raster without georeferencing cannot be read for CRS, transform or warp")
    func noGeoreferencing() throws {
        let path = TestEnvironment.temporaryDirectory() + "/plain.tif"
        try TestEnvironment.check("gdal_create", ["-of", "GTiff", "-outsize", "8", "8", "-bands", "1", "-burn", "7", path])
        let raster = try Raster(path: path)
        #expect(try raster.read(as: UInt8.self) == [UInt8](repeating: 7, count: 64))
        #expect(throws: RasterError.self) { try raster.geoTransform }
        #expect(throws: RasterError.self) { try raster.crs }
        let grid = try GridSpec(crs: try CRS(epsg: 32630), originX: 0, originY: 80, pixelSize: 10, width: 8, height: 8)
        let error = #expect(throws: RasterError.self) {
            try Warper.warp([WarpInput(raster, resampling: .near)], onto: grid, as: UInt8.self)
        }
        #expect(error?.kind == .notGeoreferenced)
        #expect(error?.subject == path)
    }

    @Test("Unknown CRS strings", arguments: ["EPSG:999999", "not a crs", "", "+proj=nonsense"])
    func unknownCRS(definition: String) {
        let error = #expect(throws: RasterError.self) { try CRS(definition) }
        #expect(error?.kind == .crs)
    }

    @Test("Empty and malformed grids", arguments: [(0, 10, 10.0), (10, 0, 10.0), (10, 10, 0.0), (10, 10, -1.0), (10, 10, Double.nan)])
    func emptyGrid(width: Int, height: Int, pixelSize: Double) throws {
        let crs = try CRS(epsg: 32630)
        let error = #expect(throws: RasterError.self) {
            try GridSpec(crs: crs, originX: 0, originY: 0, pixelSize: pixelSize, width: width, height: height)
        }
        #expect(error?.kind == .grid)
    }

    @Test("Warping with no inputs, or a band the raster lacks")
    func badWarpRequests() throws {
        let grid = try GridSpec(crs: try CRS(epsg: 32630), originX: 0, originY: 80, pixelSize: 10, width: 8, height: 8)
        #expect(throws: RasterError.self) { try Warper.warp([], onto: grid, as: UInt8.self) }
        let path = TestEnvironment.temporaryDirectory() + "/geo.tif"
        try TestEnvironment.check("gdal_create", ["-of", "GTiff", "-outsize", "8", "8", "-bands", "1",
                                            "-a_srs", "EPSG:32630", "-a_ullr", "0", "80", "80", "0", path])
        let error = #expect(throws: RasterError.self) {
            try Warper.warp([WarpInput(try Raster(path: path), bands: [2], resampling: .near)], onto: grid, as: UInt8.self)
        }
        #expect(error?.subject == path)
        #expect(error?.kind == .read)
    }

    @Test("Reads outside the raster or into a small buffer are refused")
    func badReads() throws {
        let path = TestEnvironment.temporaryDirectory() + "/geo.tif"
        try TestEnvironment.check("gdal_create", ["-of", "GTiff", "-outsize", "8", "8", "-bands", "1", path])
        let raster = try Raster(path: path)
        #expect(throws: RasterError.self) { try raster.read(window: PixelWindow(x: 4, y: 4, width: 8, height: 8), as: UInt8.self) }
        var small = [UInt8](repeating: 0, count: 10)
        let error = #expect(throws: RasterError.self) {
            try small.withUnsafeMutableBufferPointer { try raster.read(window: PixelWindow(x: 0, y: 0, width: 8, height: 8), into: $0) }
        }
        #expect(error?.kind == .buffer)
    }
}
