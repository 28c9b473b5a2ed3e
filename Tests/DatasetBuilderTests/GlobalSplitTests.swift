import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Splits on one block grid for the whole globe, planning across the antimeridian, and coverage
/// tested against footprints rather than bounding boxes.
@Suite("Splits and coverage on the globe")
struct GlobalSplitTests {
    /// A one-band u8 raster of zeros with any geotransform.
    static func raster(_ path: String, crs: String, width: Int, height: Int, geotransform: [Double]) throws {
        try RasterWriter.writeGeoTIFF(path: path, width: width, height: height, dataType: .u8,
                                      bytes: [UInt8](repeating: 1, count: width * height), bandNames: ["b"],
                                      geoTransform: GeoTransform(geotransform), crs: try CRS(crs))
    }

    static func plan(_ json: String) throws -> BuildPlan {
        try Planner.plan(try ManifestParser.load(path: Fixtures.manifestFile(json)))
    }

    @Test("Two overlapping scenes in neighbouring UTM zones: no ground point lies in cells of two splits",
          .enabled(if: TestEnvironment.hasRealData))
    func neighbouringZones() throws {
        let folder = TestEnvironment.temporaryDirectory()
        let s2 = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", "EPSG:32630", "-tr", "10", "10", s2, "\(folder)/zone30.tif"])
        try TestEnvironment.check("gdal_translate", ["-q", "-srcwin", "100", "60", "224", "279", s2, "\(folder)/part.tif"])
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", "EPSG:32629", "-tr", "10", "10", "\(folder)/part.tif", "\(folder)/zone29.tif"])
        let plan = try Self.plan("""
        {"name": "zones", "grid": {"crs": "utm", "patchSize": 320, "stride": 160, "scope": "scene", "anchor": "s2"},
         "sensors": [{"name": "s2", "inputs": ["\(folder)/zone30.tif", "\(folder)/zone29.tif"], "bands": ["b1"], "gsd": 10, "dtype": "u16"}],
         "splits": {"blockSize": 2000, "fractions": {"train": 0.5, "test": 0.5}, "seed": 5}}
        """)
        #expect(Set(plan.zones.compactMap(\.crs.epsg)) == [32629, 32630])
        let (a, b) = (plan.zones[0], plan.zones[1])
        #expect(Set(plan.zones.flatMap { $0.cells.map(\.split) }) == ["train", "test"])
        let toB = try CoordinateTransformer(from: a.crs, to: b.crs)
        var shared = 0
        for cell in a.cells {
            // A 4 × 4 lattice of ground points inside the cell, looked up among the other zone's cells.
            let points = (0..<16).map { i in
                Coordinate(x: cell.box.minX + (Double(i % 4) + 0.5) / 4 * cell.box.width,
                           y: cell.box.minY + (Double(i / 4) + 0.5) / 4 * cell.box.height)
            }
            for p in try toB.transform(points) {
                for other in b.cells where p.x > other.box.minX && p.x < other.box.maxX && p.y > other.box.minY && p.y < other.box.maxY {
                    shared += 1
                    #expect(other.split == cell.split, "\(cell.key) (\(cell.split)) and \(other.key) (\(other.split)) share ground")
                }
            }
        }
        #expect(shared > 1000, "the scenes should overlap")
        // Dropping only cells that touch blocks of two splits keeps most cells.
        #expect(Double(plan.droppedAtSplitEdges) < 0.3 * Double(plan.cellCount + plan.droppedAtSplitEdges))
    }

    @Test("An area crossing the antimeridian plans in a UTM zone beside it, with cells on both sides")
    func antimeridian() throws {
        let folder = TestEnvironment.temporaryDirectory()
        // 179.5°E–179.5°W at 16°S: in UTM 60S (the zone's own CRS wraps nothing) and in lon/lat past 180°.
        try Self.raster("\(folder)/utm60.tif", crs: "EPSG:32760", width: 1080, height: 560,
                        geotransform: [766_000, 100, 0, 8_230_000, 0, -100])
        try Self.raster("\(folder)/lonlat.tif", crs: "EPSG:4326", width: 100, height: 50,
                        geotransform: [179.5, 0.01, 0, -16.0, 0, -0.01])
        for file in ["utm60.tif", "lonlat.tif"] {
            let plan = try Self.plan("""
            {"name": "fiji", "grid": {"crs": "utm", "patchSize": 1000, "stride": 1000},
             "sensors": [{"name": "s", "inputs": ["\(folder)/\(file)"], "bands": ["b"], "gsd": 100, "dtype": "u8"}],
             "splits": {"blockSize": 10000, "fractions": {"train": 0.7, "test": 0.3}}}
            """)
            let zone = try #require(plan.zones.first)
            #expect([32760, 32701].contains(zone.crs.epsg ?? 0), "\(file): planned in \(zone.crs)")
            let toLonLat = try CoordinateTransformer(from: zone.crs, to: try CRS(epsg: 4326))
            let centres = try toLonLat.transform(zone.cells.map { Coordinate(x: ($0.box.minX + $0.box.maxX) / 2, y: ($0.box.minY + $0.box.maxY) / 2) })
            let east = centres.filter { $0.x > 0 }.count, west = centres.filter { $0.x < 0 }.count
            #expect(east > 1000 && west > 1000, "\(file): \(east) cells east and \(west) west of 180°")
            #expect(Set(zone.cells.map(\.split)) == ["train", "test"])
        }
    }

    @Test("A rotated scene: only cells its footprint touches are planned, and the plan reports the warps saved")
    func rotatedScene() throws {
        let folder = TestEnvironment.temporaryDirectory()
        // 200 × 200 pixels of 10 m turned by 45°: a diamond in its bounding box.
        let c = 10 / 2.0.squareRoot()
        try Self.raster("\(folder)/rotated.tif", crs: "EPSG:32631", width: 200, height: 200,
                        geotransform: [500_000, c, c, 5_000_000, c, -c])
        let plan = try Self.plan("""
        {"name": "rotated", "grid": {"crs": "EPSG:32631", "patchSize": 100, "stride": 100},
         "sensors": [{"name": "s", "inputs": ["\(folder)/rotated.tif"], "bands": ["b"], "gsd": 10, "dtype": "u8"}],
         "splits": {"blockSize": 100000, "fractions": {"train": 1}}}
        """)
        let footprint = try Raster(path: "\(folder)/rotated.tif").footprint()
        let cells = plan.zones.flatMap(\.cells)
        #expect(cells.allSatisfy { footprint.intersects($0.box) })
        // The diamond (4 km², 400 cells) fills half its bounding box (800 cells); cells on its edges count too.
        #expect(cells.count > 400 && cells.count < 520, "\(cells.count) cells")
        #expect(plan.outsideFootprints > 250)
        #expect(PlanSummary(plan).text.contains("warps saved by testing footprints, not bounding boxes: \(plan.outsideFootprints)"))
    }
}
