import Foundation
import GeoRaster
import TestSupport
import Testing

@Suite("Raster metadata and reads", .enabled(if: TestEnvironment.hasRealData))
struct RasterTests {
    @Test("Size, bands, types, CRS and geotransform of a real file")
    func metadata() throws {
        let raster = try Raster(path: TestEnvironment.real("gefolki_s1_patch11.tif"))
        #expect(raster.width == 448 && raster.height == 448 && raster.bandCount == 2)
        #expect(try raster.dataType(band: 1) == .f32)
        #expect(try raster.crs.epsg == 32631)
        #expect(try raster.crs.description == "EPSG:32631")
        let t = try raster.geoTransform
        #expect(t.pixelWidth == 10 && t.pixelHeight == -10 && t.isNorthUp)
        #expect(try raster.nodata(band: 1) == nil)
        let dsm = try Raster(path: TestEnvironment.real("autzen_lidar_dsm_3ft.tif"))
        #expect(try dsm.nodata(band: 1) == -9999)
    }

    @Test("withOpened hands the raster to its body, returns the body's result and passes errors on")
    func scopedOpen() throws {
        let path = TestEnvironment.real("gefolki_s1_patch11.tif")
        #expect(try Raster.withOpened(path) { $0.bandCount } == 2)
        #expect { try Raster.withOpened(path + ".missing") { $0.bandCount } } throws: {
            ($0 as? RasterError)?.kind == .open && "\($0)".contains(".missing")
        }
        #expect { try Raster.withOpened(path) { raster throws(RasterError) in try raster.nodata(band: 9) } } throws: {
            $0 is RasterError
        }
    }

    @Test("A custom WKT CRS is kept, compares equal to its definition, and prints")
    func customCRS() throws {
        let raster = try Raster(path: TestEnvironment.real("autzen_rgb_1ft.tif"))
        let wkt = try String(contentsOfFile: TestEnvironment.real("autzen-srs.wkt"), encoding: .utf8)
        let crs = try raster.crs
        #expect(crs == (try CRS(wkt)))
        #expect(crs != (try CRS(epsg: 32610)))
        #expect(!crs.wkt.isEmpty)
        #expect(!crs.description.isEmpty)
    }

    @Test("Footprints transform into other CRSs with densified edges")
    func footprintTransform() throws {
        let raster = try Raster(path: TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))
        let own = try raster.footprint(pointsPerEdge: 11)
        #expect(own.ring.count == 40)
        let t = try raster.geoTransform
        #expect(own.bounds == BoundingBox(minX: t.originX, minY: t.originY - 3390, maxX: t.originX + 3240, maxY: t.originY))
        let geographic = try own.transformed(to: try CRS(epsg: 4326))
        let b = try #require(geographic.bounds)
        // Aberystwyth, Wales: about 4.1° W, 52.4° N (GIS axis order: x = longitude).
        #expect(b.minX > -4.3 && b.maxX < -3.9 && b.minY > 52.2 && b.maxY < 52.6)
        // A round trip returns to the original vertices.
        let back = try geographic.transformed(to: try raster.crs)
        for (p, q) in zip(own.ring, back.ring) { #expect(abs(p.x - q.x) < 1e-3 && abs(p.y - q.y) < 1e-3) }
    }

    @Test("Windowed reads into every supported type agree with a full read")
    func typedWindowReads() throws {
        let raster = try Raster(path: TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))
        let full: [Double] = try raster.read(bands: [2, 1])
        let window = PixelWindow(x: 17, y: 40, width: 33, height: 21)
        func expected(_ band: Int, _ row: Int, _ col: Int) -> Double {
            full[band * raster.width * raster.height + (window.y + row) * raster.width + window.x + col]
        }
        func check<T: RasterScalar>(_ type: T.Type, clamp: ClosedRange<Double>) throws {
            var buffer = [T](repeating: try #require(zero(T.self)), count: 2 * window.pixelCount)
            let n = try buffer.withUnsafeMutableBufferPointer { try raster.read(window: window, bands: [2, 1], into: $0) }
            #expect(n == 2 * window.pixelCount)
            for b in 0..<2 { for r in 0..<window.height { for c in 0..<window.width {
                let want = min(max(expected(b, r, c), clamp.lowerBound), clamp.upperBound)
                #expect(buffer[b * window.pixelCount + r * window.width + c].doubleValue == want)
            } } }
        }
        try check(UInt8.self, clamp: 0...255)
        try check(Int16.self, clamp: -32768...32767)
        try check(UInt16.self, clamp: 0...65535)
        try check(Int32.self, clamp: -2e9...2e9)
        try check(Float.self, clamp: -1e30...1e30)
        try check(Double.self, clamp: -1e30...1e30)
    }

    @Test("A VRT built by gdalbuildvrt opens and reads like its source")
    func openVRT() throws {
        let source = TestEnvironment.real("peru_s1_2018_vv_vh.tif")
        let vrt = TestEnvironment.temporaryDirectory() + "/s1.vrt"
        try TestEnvironment.check("gdalbuildvrt", ["-q", vrt, source])
        let a: [Float] = try Raster(path: vrt).read()
        let b: [Float] = try Raster(path: source).read()
        #expect(a.elementsEqual(b) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
}

private func zero<T: RasterScalar>(_ type: T.Type) -> T? {
    switch T.dataType {
    case .u8: UInt8(0) as? T
    case .i16: Int16(0) as? T
    case .u16: UInt16(0) as? T
    case .i32: Int32(0) as? T
    case .f32: Float(0) as? T
    case .f64: Double(0) as? T
    }
}
