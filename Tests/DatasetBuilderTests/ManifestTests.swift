import DatasetBuilder
import Foundation
import TestSupport
import Testing

@Suite("Manifests")
struct ManifestTests {
    @Test("Every manifest in manifests/ validates", arguments: ["bigearthnet-s1s2", "cities-france", "sen12ms", "geopile2"])
    func recipesValidate(name: String) throws {
        let m = try ManifestParser.load(path: "\(TestEnvironment.repositoryRoot)/manifests/\(name).json")
        #expect(m.name == name)
        #expect(!m.sensors.isEmpty)
    }

    /// Expects the manifest to fail with a problem at each of `paths`.
    func expectProblems(_ json: String, at paths: [String], inputs: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ManifestParser.parse(Data(json.utf8), file: "test.json", inputs: inputs)
            Issue.record("the manifest was accepted", sourceLocation: sourceLocation)
        } catch let error as ManifestError {
            for path in paths {
                #expect(error.problems.contains { $0.path == path }, "no problem at \(path); got \(error.problems)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    static let sensorA = #"{"name": "a", "inputs": ["x.tif"], "bands": ["b"], "gsd": 10, "dtype": "u16"}"#

    /// A mistake in nearly every field of every section (written against the walker before its
    /// accessors knew their object's path, whose output this list is).
    static let wrongEverywhere = #"""
        {"name": "bad name!", "description": 3,
         "grid": {"crs": "EPSG:999999", "patchSize": -1, "stride": "x", "snap": 0, "scope": "tile", "blockCells": 100, "errorThreshold": 3,
                  "area": {"coverage": "most"}, "extra": 1},
         "sensors": [{"name": "s 1", "inputs": 5, "bands": [{"name": "a", "index": 0, "resampling": "fast", "file": "*.tif"}, "a"], "gsd": 0, "dtype": "u7",
                      "resampling": "x", "nodata": "n", "validRange": [2, 1], "maxInvalidFraction": 2, "cloudMask": {"band": "zz", "values": [], "maxFraction": 5},
                      "role": "mask", "assets": {"q": 1}, "time": {"pick": "closest", "maxDays": -1}, "where": {"p": {"below": 1, "in": 3}},
                      "rasterize": {"burn": 1, "attribute": "a", "allTouched": 1, "classes": {"w": "x"}}},
                     {"name": "t", "description": [1], "inputs": [], "bands": ["b"], "gsd": 10, "dtype": "u8", "time": {"anchor": "t", "timeSeries": 0, "pick": "latest"}},
                     {"name": "u", "inputs": [], "bands": ["b"], "gsd": 10, "dtype": "u8", "time": {"anchor": "zz", "pick": "timeSeries"}, "rasterize": {}}],
         "pairing": {"require": ["nope"], "minSensors": 9},
         "attributes": [{"sensor": "x", "fields": []}, 4],
         "splits": {"blockSize": -5, "fractions": {"train": 0.5, "v-al": 0.2, "test": 2}, "seed": -1, "buffer": -1},
         "sharding": {"targetMB": 0, "maxRecords": 0},
         "compression": {"level": 30, "filters": {"u16": "zip", "u3": "none"}},
         "time": {"from": "yesterday", "to": "2020-01-01"}}
        """#

    @Test("A manifest wrong in every section reports each problem once, at its path, in reading order")
    func everySectionsProblems() throws {
        let error = try #require(throws: ManifestError.self) { try ManifestParser.parse(Data(Self.wrongEverywhere.utf8), file: "bad.json") }
        #expect(error.problems.map(\.path) == ["$.description", "$.name", "$.sensors[0].name", "$.sensors[0].inputs", "$.sensors[0].bands[0].index", "$.sensors[0].bands[0].resampling", "$.sensors[0].bands", "$.sensors[0].bands", "$.sensors[0].gsd", "$.sensors[0].dtype", "$.sensors[0].resampling", "$.sensors[0].nodata", "$.sensors[0].validRange", "$.sensors[0].maxInvalidFraction", "$.sensors[0].cloudMask.band", "$.sensors[0].cloudMask.values", "$.sensors[0].cloudMask.maxFraction", "$.sensors[0].role", "$.sensors[0].assets.q", "$.sensors[0].assets.q", "$.sensors[0].where.p.below", "$.sensors[0].where.p.in", "$.sensors[0].time.maxDays", "$.sensors[0].time.pick", "$.sensors[0].rasterize.allTouched", "$.sensors[0].rasterize.classes.w", "$.sensors[0].rasterize.burn", "$.sensors[0].bands", "$.sensors[0].time", "$.sensors[1].description", "$.sensors[1].time.timeSeries", "$.sensors[1].time.pick", "$.sensors[2].time.pick", "$.sensors[2].rasterize", "$.grid.extra", "$.grid.crs", "$.grid.patchSize", "$.grid.stride", "$.grid.snap", "$.grid.scope", "$.grid.area.coverage", "$.grid.blockCells", "$.grid.errorThreshold", "$.pairing.minSensors", "$.attributes[0].file", "$.attributes[0].fields", "$.attributes[1]", "$.splits.blockSize", "$.splits.fractions.test", "$.splits.fractions.v-al", "$.splits.fractions", "$.splits.seed", "$.splits.buffer", "$.sharding.targetMB", "$.sharding.maxRecords", "$.compression.level", "$.compression.filters.u3", "$.compression.filters.u16", "$.time.from"])
    }

    @Test("Missing fields, wrong types and typos are reported with their JSON paths, all at once")
    func structuralProblems() {
        expectProblems(#"{"grid": {"patchSize": 100}, "sensors": [{"name": "a", "bands": ["b"], "gsd": "ten", "dtype": "u17"}]}"#,
                       at: ["$.name", "$.grid.crs", "$.sensors[0].inputs", "$.sensors[0].gsd", "$.sensors[0].dtype"])
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100, "strid": 50}, "sensors": [\#(Self.sensorA)]}"#,
                       at: ["$.grid.strid"])
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": {}}"#, at: ["$.sensors"])
        expectProblems("{not json", at: ["$"])
        for threshold in ["-0.5", "3", "\"0.1\""] {
            expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100, "errorThreshold": \#(threshold)}, "sensors": [\#(Self.sensorA)]}"#,
                           at: ["$.grid.errorThreshold"])
        }
    }

    @Test("Non-integral pixels per patch name the sensor's gsd")
    func nonIntegralPixels() {
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [{"name": "a", "inputs": ["x"], "bands": ["b"], "gsd": 30, "dtype": "u8"}]}"#,
                       at: ["$.sensors[0].gsd"])
    }

    @Test("Unknown sensors in pairing, attributes and --input; an unknown CRS")
    func unknownNames() {
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [\#(Self.sensorA)], "pairing": {"require": ["a", "zz"]}, "attributes": [{"sensor": "q", "file": "*.json", "fields": ["l"]}]}"#,
                       at: ["$.pairing.require[1]", "$.attributes[0].sensor"])
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:999999", "patchSize": 100}, "sensors": [\#(Self.sensorA)]}"#, at: ["$.grid.crs"])
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [\#(Self.sensorA)]}"#,
                       at: ["--input nope=…"], inputs: ["nope=/tmp"])
        expectProblems(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [\#(Self.sensorA)], "splits": {"fractions": {"train": 0.5, "val": 0.2}}}"#,
                       at: ["$.splits.fractions"])
    }

    @Test("Inputs that match nothing are named at planning, before any pixel is read")
    func inputsMatchNothing() throws {
        let json = #"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [{"name": "a", "inputs": ["/nonexistent/*.tif"], "bands": ["b"], "gsd": 10, "dtype": "u8"}, {"name": "c", "inputs": [], "bands": ["b"], "gsd": 10, "dtype": "u8"}]}"#
        let m = try ManifestParser.parse(Data(json.utf8), file: "t.json")
        let error = #expect(throws: PlanError.self) { try Planner.plan(m) }
        #expect(error?.problems.contains { $0.contains("/nonexistent/*.tif") && $0.contains("matches nothing") } == true)
        #expect(error?.problems.contains { $0.contains("sensor c") && $0.contains("--input c=") } == true)
    }

    @Test("An area that does not overlap the inputs is an error", .enabled(if: TestEnvironment.hasRealData))
    func areaOutsideInputs() throws {
        let json = """
        {"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 960, "area": {"bbox": [10, 40, 11, 41], "crs": "EPSG:4326"}},
         "sensors": [{"name": "s2", "inputs": ["\(TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))"], "bands": ["b"], "gsd": 10, "dtype": "u16"}]}
        """
        let m = try ManifestParser.parse(Data(json.utf8), file: "t.json")
        let error = #expect(throws: PlanError.self) { try Planner.plan(m) }
        #expect(error?.problems.first?.contains("does not overlap") == true)
    }

    @Test("build-dataset exits 2 for usage errors and 1 for bad manifests, naming the JSON path")
    func commandLine() throws {
        #expect(try TestEnvironment.runProduct("build-dataset", []).status == 2)
        #expect(try TestEnvironment.runProduct("build-dataset", ["build", "--help"]).status == 0)
        #expect(try TestEnvironment.runProduct("build-dataset", ["build", "m.json"]).status == 2)
        let bad = Fixtures.manifestFile(#"{"name": "n", "grid": {"crs": "EPSG:32630", "patchSize": 100}, "sensors": [{"name": "a", "inputs": [], "bands": ["b"], "gsd": 30, "dtype": "u8"}]}"#)
        let r = try TestEnvironment.runProduct("build-dataset", ["validate", bad])
        #expect(r.status == 1 && r.errors.contains("$.sensors[0].gsd"))
    }
}
