import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Inputs and output folders a build must refuse with a clear error instead of trapping, hanging or
/// deleting someone's files. None of these need the shared real rasters.
@Suite("Hostile build inputs and output folders")
struct HostileBuildInputTests {
    /// A 100×100 UInt16 VRT in EPSG:32630 with the given geotransform (reads as zeros).
    static func vrt(geotransform: String, bands: Int = 1) -> String {
        let path = TestEnvironment.temporaryDirectory() + "/input.vrt"
        let band = "<VRTRasterBand dataType=\"UInt16\" band=\"1\"></VRTRasterBand>"
        let xml = """
        <VRTDataset rasterXSize="100" rasterYSize="100"><SRS>EPSG:32630</SRS><GeoTransform>\(geotransform)</GeoTransform>\(bands > 0 ? band : "")</VRTDataset>
        """
        _ = FileManager.default.createFile(atPath: path, contents: Data(xml.utf8))
        return path
    }

    /// The sound fixture (a 10 m VRT) and its plan, for the tests of output folders and journals.
    static func soundPlan() throws -> (manifest: String, plan: BuildPlan) {
        let manifest = Self.manifest(input: Self.vrt(geotransform: "400000, 10, 0, 5800000, 0, -10"))
        return (manifest, try Planner.plan(try ManifestParser.load(path: manifest)))
    }

    static func manifest(input: String, patch: String = "320", gsd: String = "10", area: String = "") -> String {
        Fixtures.manifestFile("""
        {"name": "h", "grid": {"crs": "EPSG:32630", "patchSize": \(patch)\(area)},
         "sensors": [{"name": "a", "inputs": ["\(input)"], "bands": ["x"], "gsd": \(gsd), "dtype": "u16"}]}
        """)
    }

    @Test("A small build from a VRT works (the fixture is sound)")
    func soundFixture() throws {
        let dir = try Fixtures.build(Self.manifest(input: Self.vrt(geotransform: "400000, 10, 0, 5800000, 0, -10")))
        #expect(try DatasetReader(directory: dir).locations().count == 9)
    }

    @Test("Pixels of 10⁶ m (10¹¹ cells) or 10²⁰⁰ m make astronomical areas: plan errors, not traps")
    func astronomicalArea() throws {
        for (geotransform, expected) in [("400000, 1e6, 0, 5800000, 0, -1e6", "more than the 1000000000"),
                                         ("400000, 1e200, 0, 5800000, 0, -1e200", "kernel scale [inf, inf] is not positive")] {
            let manifest = try ManifestParser.load(path: Self.manifest(input: Self.vrt(geotransform: geotransform)))
            #expect { try Planner.plan(manifest) } throws: { "\($0)".contains(expected) }
        }
    }

    @Test("An input at x = 10¹⁹ m (beyond Int64 in keys and split blocks) is a plan error, not a trap")
    func farAwayInput() throws {
        // Patches of 20 km, so that cells stay apart where doubles are 2 km apart.
        let manifest = try ManifestParser.load(path: Self.manifest(input: Self.vrt(geotransform: "1e19, 1e4, 0, 5800000, 0, -1e4"), patch: "20480"))
        #expect { try Planner.plan(manifest) } throws: { "\($0)".contains("beyond ±10¹⁵") }
    }

    @Test("Patch sides of zero, infinite or a billion pixels, and infinite bbox numbers, are manifest problems")
    func absurdManifestNumbers() throws {
        let input = Self.vrt(geotransform: "400000, 10, 0, 5800000, 0, -10")
        for (patch, gsd) in [("1e300", "1e-300"), ("1e9", "1"), ("320", "1e6")] {
            #expect("\(patch)/\(gsd)") { try ManifestParser.load(path: Self.manifest(input: input, patch: patch, gsd: gsd)) } throws: {
                "\($0)".contains("$.sensors[0].gsd") && "\($0)".contains("pixels")
            }
        }
        // 1e400 does not even decode as a JSON number; either way the manifest is refused.
        let infinite = #", "area": {"bbox": [0, 0, 1e400, 10], "crs": "EPSG:32630"}"#
        #expect(throws: ManifestError.self) { try ManifestParser.load(path: Self.manifest(input: input, area: infinite)) }
    }

    @Test("A raster without bands is an error naming it, in the planner and in Warper (which trapped in a 1...0 range)")
    func zeroBandRaster() throws {
        let path = TestEnvironment.temporaryDirectory() + "/zero.pix"
        try TestEnvironment.check("gdal_create", ["-outsize", "512", "512", "-bands", "0", "-of", "PCIDSK", "-a_srs", "EPSG:32630",
                                                  "-a_ullr", "400000", "5800000", "405120", "5794880", path])
        let raster = try Raster(path: path)
        #expect(raster.bandCount == 0)
        #expect { try Fixtures.build(Self.manifest(input: path)) } throws: { "\($0)".contains("0 band(s)") && "\($0)".contains(path) }
        let grid = try GridSpec(crs: CRS("EPSG:32630"), originX: 400_000, originY: 5_800_000, pixelSize: 10, width: 8, height: 8)
        #expect { try Warper.warp([WarpInput(raster, resampling: .near)], onto: grid, as: UInt16.self) } throws: { "\($0)".contains("no bands") }
    }

    @Test("An output folder that is a symbolic link, or holds foreign files, is refused and left untouched (also with restart)")
    func foreignOutputFolders() throws {
        let (manifest, plan) = try Self.soundPlan()
        let home = TestEnvironment.temporaryDirectory() + "/home"
        try FileManager.default.createDirectory(atPath: home + "/shards", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: home + "/thesis.tex", contents: Data("chapter 1".utf8))
        _ = FileManager.default.createFile(atPath: home + "/shards/notes.txt", contents: Data("keep".utf8))
        for restart in [false, true] {
            #expect { try BuildExecutor.build(plan: plan, output: home, jobs: 1, restart: restart) } throws: {
                "\($0)".contains("not part of a GeoPairs dataset") && "\($0)".contains("thesis.tex")
            }
        }
        #expect(FileManager.default.fileExists(atPath: home + "/thesis.tex") && FileManager.default.fileExists(atPath: home + "/shards/notes.txt"))

        let link = TestEnvironment.temporaryDirectory() + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: home)
        #expect { try BuildExecutor.build(plan: plan, output: link, jobs: 1, restart: true) } throws: { "\($0)".contains("symbolic link") }

        // A finished dataset is rebuilt with restart, as before.
        let out = try Fixtures.build(manifest)
        _ = try BuildExecutor.build(plan: plan, output: out, jobs: 1, restart: true)
        #expect(DatasetVerifier.verify(directory: out).isSound)
    }

    @Test("A build journal with a negative resume position, an escaping shard path or a damaged line is refused")
    func hostileJournal() throws {
        let plan = try Self.soundPlan().plan
        let out = TestEnvironment.temporaryDirectory() + "/interrupted"
        try FileManager.default.createDirectory(atPath: out + "/shards", withIntermediateDirectories: true)
        let journal = out + "/.geopairs-journal.jsonl"
        // The journal is checked before its fingerprint is compared with this build's.
        let header = #"{"fingerprint": "any"}"#
        func shard(_ file: String) -> String {
            #"{"keys": [], "statistics": {}, "info": {"file": "\#(file)", "split": "train", "records": 0, "bytes": 0, "sha256": "", "sensorBytes": {}}}"#
        }
        for (body, expected) in [
            ("\(header)\n{\"shard\": \(shard("shards/a.gpshard")), \"resumePosition\": -3}\n", "resumePosition -3"),
            ("\(header)\n{\"shard\": \(shard("../x")), \"resumePosition\": 0}\n", "shards[0].info.file"),
            ("\(header)\n{\"shard\": \n{\"shard\": \(shard("shards/a.gpshard")), \"resumePosition\": 0}\n", "line 2"),
            ("{\"shards\": []}\n", "first line"),
        ] {
            _ = FileManager.default.createFile(atPath: journal, contents: Data(body.utf8))
            #expect("\(expected)") { try BuildExecutor.build(plan: plan, output: out, jobs: 1, restart: false) } throws: {
                "\($0)".contains(expected) && "\($0)".contains(".geopairs-journal.jsonl")
            }
        }
    }

}
