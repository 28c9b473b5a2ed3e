import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// STAC inputs, `where` filters, the time window and temporal pairing, on the GeFolki patch
/// dressed as five dated scenes (``StacFixture``).
@Suite("STAC inputs and temporal pairing")
struct StacPairingTests {
    /// Per sensor, the scene names each cell column chose (every row chooses alike here).
    static func choices(_ plan: BuildPlan, sensor: String) -> [Int: [String]] {
        var out: [Int: [String]] = [:]
        let zone = plan.zones[0]
        for cell in zone.cells {
            guard let i = cell.sensors.firstIndex(of: sensor) else { continue }
            let names = cell.scenes[i].map { zone.scenes[sensor]![$0].scene.name.prefix(11) }.map(String.init)
            if let earlier = out[cell.col] { #expect(earlier == names, "column \(cell.col) chose differently in two rows") }
            out[cell.col] = names
        }
        return out
    }

    static func plan(_ json: String) throws -> BuildPlan {
        try Planner.plan(try ManifestParser.load(path: Fixtures.manifestFile(json)))
    }

    @Test("Partners are picked by rule: closest, a narrower window, mosaic in the window, and the yield report says so")
    func pairingRules() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; STAC pairing test skipped"); return }
        let f = try StacFixture(root: TestEnvironment.temporaryDirectory())
        // The least cloudy S2 (01-20) anchors every cell; S1 01-19 covers columns 0–2, 01-22 all.
        let closest = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog]))
        #expect(closest.cellCount == 36)
        #expect(Set(Self.choices(closest, sensor: "s2").values) == [["S2_20200120"]])
        let s1 = Self.choices(closest, sensor: "s1")
        #expect((0...2).allSatisfy { s1[$0] == ["S1_20200119"] } && (3...5).allSatisfy { s1[$0] == ["S1_20200122"] }, "\(s1)")
        let y = try #require(closest.pairing["s1"])
        #expect(y.anchor == "s2" && y.anchorCells == 36 && y.coveredCells == 36 && y.pairedCells == 36)
        // 01-19T17:40 is 0.70 days before the anchor (01-20T10:30), 01-22T17:40 2.30 days after.
        #expect(y.gapHistogram[0] == 18 && y.gapHistogram[2] == 18 && y.gapHistogram.reduce(0, +) == 36)
        #expect(abs(y.maxGapDays! - (2 + 7.0 / 24 + 10.0 / 1440)) < 1e-9)
        let text = PlanSummary(closest).text
        #expect(text.contains("pairing s1 (closest) within 3 days of s2: 36 of 36 anchor cells (100.0 %)"), "\(text)")

        // 1.5 days: only the western cells keep a partner; S1 is required, so the rest are dropped.
        let narrow = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog],
                                              s1Time: #"{"anchor": "s2", "maxDays": 1.5}"#))
        let n = try #require(narrow.pairing["s1"])
        #expect(narrow.cellCount == 18 && n.pairedCells == 18 && n.coveredCells == 36 && n.anchorCells == 36)
        #expect(PlanSummary(narrow).text.contains("0 without any s1 scene, 18 only outside the window"))

        // mosaic within 3 days: the farther scene first, the closest on top.
        let mosaic = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog],
                                              s1Time: #"{"anchor": "s2", "maxDays": 3, "pick": "mosaic"}"#))
        let m = Self.choices(mosaic, sensor: "s1")
        #expect((0...2).allSatisfy { m[$0] == ["S1_20200122", "S1_20200119"] } && (3...5).allSatisfy { m[$0] == ["S1_20200122"] }, "\(m)")

        // No rule at all: today's mosaic of every scene in name order.
        let all = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog], s1Time: #"{"pick": "mosaic"}"#))
        let a = Self.choices(all, sensor: "s1")
        #expect(a[0] == ["S1_20200108", "S1_20200119", "S1_20200122"] && a[5] == ["S1_20200108", "S1_20200122"], "\(a)")
        #expect(all.pairing.isEmpty)
    }

    @Test("where filters item properties and the time window drops scenes; both are counted")
    func filters() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; STAC filter test skipped"); return }
        let f = try StacFixture(root: TestEnvironment.temporaryDirectory())
        // Only the cloudy S2 of 01-10 passes; its closest S1 within 3 days is 01-08.
        let cloudy = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog],
                                              s2Where: #"{"eo:cloud_cover": {"gt": 20}}"#))
        #expect(Set(Self.choices(cloudy, sensor: "s2").values) == [["S2_20200110"]])
        #expect(Set(Self.choices(cloudy, sensor: "s1").values) == [["S1_20200108"]])
        #expect(cloudy.excludedScenes == ["s2": 1])
        // From 01-15 on: S2 01-10 and S1 01-08 are out of the window.
        let later = try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog], extra: #", "time": {"from": "2020-01-15"}"#))
        #expect(later.excludedScenes == ["s1": 1, "s2": 1])
        #expect(PlanSummary(later).text.contains("s2: 1 scene(s), 1 left out by where or the time window"))
        // A property that is a string compared with a number fails the condition, for every item.
        #expect(throws: PlanError.self) {
            try Self.plan(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog], s2Where: #"{"eo:cloud_cover": {"eq": "5"}}"#))
        }
    }

    @Test("A build from STAC items equals the build from the files they name, shard for shard; records carry both times")
    func stacEqualsFiles() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; STAC build test skipped"); return }
        let f = try StacFixture(root: TestEnvironment.temporaryDirectory())
        let fromFiles = try Fixtures.build(Fixtures.manifestFile(f.manifest(
            s2Inputs: [f.root + "/cogs/S2_*.tif"], s1Inputs: [f.root + "/cogs/S1_*.tif"], s2Time: #"{"pick": "latest"}"#)))
        let fromStac = try Fixtures.build(Fixtures.manifestFile(f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [f.s1Catalog])))
        try Self.expectSameShards(fromFiles, fromStac)
        let reader = try DatasetReader(directory: fromStac)
        var gaps: [Int64: Int] = [:]
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            let s2 = try #require(meta.sensor("s2")?.acquired), s1 = try #require(meta.sensor("s1")?.acquired)
            #expect(s2 == "2020-01-20T10:30:00Z")
            let gap = AcquisitionTime(iso: s1)!.seconds - AcquisitionTime(iso: s2)!.seconds
            gaps[gap, default: 0] += 1
        }
        // 01-19T17:40 is 0.7 days before the anchor, 01-22T17:40 2.3 days after it.
        let before: Int64 = -(16 * 3600 + 50 * 60), after: Int64 = 2 * 86_400 + 7 * 3600 + 10 * 60
        #expect(gaps == [before: 18, after: 18], "\(gaps)")
    }

    @Test("pick median composites the scenes in the window: per pixel the middle of three scaled copies, with the scene count stored")
    func medianComposite() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; median composite test skipped"); return }
        let f = try StacFixture(root: TestEnvironment.temporaryDirectory())
        let dataset = try Fixtures.build(Fixtures.manifestFile(try Self.scaledS1Manifest(f, time: #"{"anchor": "s2", "maxDays": 3, "pick": "median"}"#)))
        let reader = try DatasetReader(directory: dataset)
        let doubled = try Self.scaledPixels(f, scale: 2, day: 21)
        var records = 0
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            #expect(meta.attributes["s1.scenes"] == .number(3))
            // Closest to the anchor (01-20T10:30) is 01-19T17:40: the composite's acquired.
            #expect(meta.sensor("s1")?.acquired == "2020-01-19T17:40:00Z")
            #expect(try Fixtures.values(reader, location, sensor: "s1") == Self.window(doubled, of: meta), "\(meta.key)")
            records += 1
        }
        #expect(records == 36)
    }

    @Test("timeSeries K keeps the K scenes nearest the anchor as steps s1.t0… in time order, each its own scene's pixels and time; fewer in the window drop the cell")
    func timeSeries() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; time series test skipped"); return }
        let f = try StacFixture(root: TestEnvironment.temporaryDirectory())
        // Nearest the anchor (01-20T10:30): 01-19T17:40 (×1, 0.70 d), 01-21T17:40 (×2, 1.30 d), 01-18T17:40 (×3, 1.70 d).
        let two = try Fixtures.build(Fixtures.manifestFile(try Self.scaledS1Manifest(f, time: #"{"anchor": "s2", "maxDays": 3, "timeSeries": 2}"#)))
        let reader = try DatasetReader(directory: two)
        #expect(reader.index.sensors.map(\.name) == ["s2", "s1.t0", "s1.t1"])
        #expect(reader.index.sensor("s1.t1")?.timeStep == TimeStep(series: "s1", index: 1, steps: 2))
        let steps = [(name: "s1.t0", acquired: "2020-01-19T17:40:00Z", pixels: try Self.scaledPixels(f, scale: 1, day: 19)),
                     (name: "s1.t1", acquired: "2020-01-21T17:40:00Z", pixels: try Self.scaledPixels(f, scale: 2, day: 21))]
        var records = 0
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            #expect(meta.sensors.map(\.sensor) == ["s2", "s1.t0", "s1.t1"])
            for step in steps {
                #expect(meta.sensor(step.name)?.acquired == step.acquired)
                #expect(meta.sensor(step.name)?.sources.count == 1)
                #expect(try Fixtures.values(reader, location, sensor: step.name) == Self.window(step.pixels, of: meta), "\(meta.key) \(step.name)")
            }
            records += 1
        }
        #expect(records == 36)
        try RecordRebuilder.expectEveryRecordRebuilds(two, manifestDirectory: f.root)

        // Three steps take 01-18 too, first; the yield's gaps are the nearest step's.
        let three = try Self.plan(try Self.scaledS1Manifest(f, time: #"{"anchor": "s2", "maxDays": 3, "timeSeries": 3}"#))
        #expect(Set(Self.choices(three, sensor: "s1").values) == [["S1x3", "S1x1", "S1x2"]])
        let y = try #require(three.pairing["s1"])
        #expect(y.steps == 3 && y.pairedCells == 36 && y.gapHistogram[0] == 36)
        #expect(PlanSummary(three).text.contains("pairing s1 (timeSeries of 3) within 3 days of s2: 36 of 36"), "\(PlanSummary(three).text)")
        // Four steps: the window holds only three scenes, so no cell has the series (and s1 is required).
        let four = try Self.plan(try Self.scaledS1Manifest(f, time: #"{"anchor": "s2", "maxDays": 3, "timeSeries": 4}"#))
        #expect(four.cellCount == 0 && four.pairing["s1"]?.pairedCells == 0 && four.pairing["s1"]?.coveredCells == 36)
        // A series needs an anchor, and takes no pick.
        for bad in [#"{"timeSeries": 2}"#, #"{"anchor": "s2", "pick": "closest", "timeSeries": 2}"#, #"{"anchor": "s2", "pick": "timeSeries"}"#] {
            #expect(throws: ManifestError.self, "\(bad)") { try ManifestParser.load(path: Fixtures.manifestFile(try Self.scaledS1Manifest(f, time: bad))) }
        }
    }

    /// The fixture's manifest with S1 from three scenes of 2020-01-18/19/21: the patch ×3, ×1 and
    /// ×2, warped with nearest neighbour (so a patch is its scene's window, value for value).
    static func scaledS1Manifest(_ f: StacFixture, time: String) throws -> String {
        let scaled = f.root + "/s1-scaled.json"
        if !FileManager.default.fileExists(atPath: scaled) {
            var features: [JSONValue] = []
            for (day, scale) in [(18, 3), (19, 1), (21, 2)] {
                let cog = "cogs/S1x\(scale)_202001\(day).tif"
                try TestEnvironment.check("gdal_translate", ["-q", "-of", "COG", "-ot", "Float32", "-scale", "0", "1", "0", "\(scale)",
                                                             TestEnvironment.real("gefolki_s1_patch11.tif"), f.root + "/" + cog])
                features.append(try StacFixture.item(id: "S1x\(scale)", date: "2020-01-\(day)T17:40:00Z", properties: [:],
                                                     assets: ["data": (cog, f.root + "/" + cog)]))
            }
            try StacFixture.write(.object(["type": .string("FeatureCollection"), "features": .array(features)]), to: scaled)
        }
        return f.manifest(s2Inputs: [f.s2Collection], s1Inputs: [scaled], s1Time: time)
            .replacingOccurrences(of: #""gsd": 10, "dtype": "f32", "time": {"anchor""#, with: #""gsd": 10, "dtype": "f32", "resampling": "near", "time": {"anchor""#)
    }

    /// The pixels of one scaled S1 scene (2 bands of 448 × 448).
    static func scaledPixels(_ f: StacFixture, scale: Int, day: Int) throws -> [Float] {
        try Raster(path: f.root + "/cogs/S1x\(scale)_202001\(day).tif").read(as: Float.self)
    }

    /// A record's 64 × 64 window of a scaled scene, as the record's values.
    static func window(_ pixels: [Float], of meta: RecordMetadata) -> [Double] {
        let x0 = Int(((meta.footprint.corners[0] - 399_940) / 10).rounded()), y0 = Int(((5_100_020 - meta.footprint.corners[3]) / 10).rounded())
        var out: [Double] = []
        for b in 0..<2 { for y in 0..<64 { for x in 0..<64 { out.append(Double(pixels[(b * 448 + y0 + y) * 448 + x0 + x])) } } }
        return out
    }

    /// Two datasets' shards are the same files, byte for byte.
    static func expectSameShards(_ a: String, _ b: String) throws {
        let ia = try DatasetIndex.load(directory: a), ib = try DatasetIndex.load(directory: b)
        #expect(ia.shards.map(\.file) == ib.shards.map(\.file) && !ia.shards.isEmpty)
        #expect(ia.shards.map(\.sha256) == ib.shards.map(\.sha256), "shards differ")
        #expect(ia.splits == ib.splits)
    }

    @Test("Planning 10,000 STAC items opens no raster: every href points nowhere, and the plan still pairs them")
    func planWithoutOpening() throws {
        let root = TestEnvironment.temporaryDirectory()
        // 100 × 50 tiles of 5 km per sensor in EPSG:32631, S2 every 5 days, S1 every 6 days.
        func collection(_ sensor: String, every days: Int, withoutGrid: Int? = nil) throws -> String {
            var features: [JSONValue] = []
            for i in 0..<5000 {
                let x = 300_000 + Double(i % 100) * 5000, y = 5_000_000 + Double(i / 100) * 5000
                let day = (i * 7) % 60
                let date = AcquisitionTime(seconds: 1_577_836_800 + Int64(day / days * days) * 86_400 + (sensor == "s1" ? 3600 * 17 : 3600 * 10), isDateOnly: false)!
                var asset: [String: JSONValue] = ["href": .string("nowhere/\(sensor)-\(i).tif")]
                if withoutGrid != i {
                    asset["proj:epsg"] = .number(32631)
                    asset["proj:transform"] = .array([10, 0, x, 0, -10, y + 5000].map { .number($0) })
                    asset["proj:shape"] = .array([.number(500), .number(500)])
                }
                features.append(.object(["type": .string("Feature"), "id": .string("\(sensor)-\(i)"),
                                         "properties": .object(["datetime": .string(date.iso), "eo:cloud_cover": .number(Double(i % 17))]),
                                         "assets": .object(["data": .object(asset)])]))
            }
            let path = "\(root)/\(sensor)\(withoutGrid == nil ? "" : "-broken").json"
            try StacFixture.write(.object(["type": .string("FeatureCollection"), "features": .array(features)]), to: path)
            return path
        }
        let s2 = try collection("s2", every: 5), s1 = try collection("s1", every: 6)
        let manifest = """
        {"name": "many", "grid": {"crs": "EPSG:32631", "patchSize": 2560},
         "sensors": [
           {"name": "s2", "inputs": ["\(s2)"], "bands": ["b"], "assets": {"b": "data"}, "gsd": 10, "dtype": "u16", "time": {"pick": "leastCloudy"}},
           {"name": "s1", "inputs": ["\(s1)"], "bands": ["vv"], "assets": {"vv": "data"}, "gsd": 10, "dtype": "f32",
            "time": {"anchor": "s2", "maxDays": 3}}]}
        """
        let start = Date()
        let plan = try Planner.plan(try ManifestParser.load(path: Fixtures.manifestFile(manifest)))
        print("plan of 10,000 STAC items: \(plan.cellCount) cells in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        let y = try #require(plan.pairing["s1"])
        #expect(y.anchorCells > 15_000 && y.pairedCells > 0 && y.pairedCells < y.anchorCells && y.maxGapDays! <= 3)
        #expect(plan.cellCount + plan.droppedAtSplitEdges == y.pairedCells)
        // The control: one S1 item without a grid must be opened, and its missing file is named.
        let broken = try collection("s1", every: 6, withoutGrid: 4321)
        let failing = manifest.replacingOccurrences(of: s1, with: broken)
        #expect(throws: PlanError.self) { try Planner.plan(try ManifestParser.load(path: Fixtures.manifestFile(failing))) }
        do {
            _ = try Planner.plan(try ManifestParser.load(path: Fixtures.manifestFile(failing)))
        } catch {
            #expect("\(error)".contains("\(root)/nowhere/s1-4321.tif"), "\(error)")
        }
    }

    @Test("Time rules and where filters that cannot work are manifest problems with their JSON paths")
    func badRules() throws {
        func problems(_ s1Time: String, s2Where: String? = nil) -> String {
            let json = StacFixture(unbuiltRoot: "/nonexistent").manifest(s2Inputs: ["/x"], s1Inputs: ["/y"], s1Time: s1Time, s2Where: s2Where)
            do { _ = try ManifestParser.parse(Data(json.utf8), file: "m.json"); return "" } catch { return "\(error)" }
        }
        #expect(problems(#"{"pick": "closest"}"#).contains("$.sensors[1].time.pick"))
        #expect(problems(#"{"maxDays": 3}"#).contains("$.sensors[1].time.maxDays"))
        #expect(problems(#"{"anchor": "s1"}"#).contains("cannot be its own anchor"))
        #expect(problems(#"{"anchor": "s9"}"#).contains("no sensor named \"s9\""))
        #expect(problems(#"{"anchor": "s2", "pick": "nearest"}"#).contains("expected one of mosaic, closest, leastCloudy, latest, median"))
        #expect(problems(#"{"anchor": "s2"}"#, s2Where: #"{"eo:cloud_cover": {"below": 3}}"#).contains("$.sensors[0].where.eo:cloud_cover.below"))
        #expect(problems(#"{"anchor": "s2"}"#, s2Where: #"{"platform": {"in": "sentinel-2a"}}"#).contains("expected an array"))
        #expect(problems(#"{"anchor": "s2"}"#) == "")
    }
}

extension StacFixture {
    /// A fixture value for manifest text only (no files made).
    init(unbuiltRoot: String) {
        root = unbuiltRoot
    }
}
