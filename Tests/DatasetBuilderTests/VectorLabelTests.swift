import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Vector label sensors: polygons burnt onto the grid equal `gdal_rasterize` of each patch, run with
/// the passes DATASETS.md gives, whether the polygons are in the grid's CRS or in WGS 84.
@Suite("Vector labels")
struct VectorLabelTests {
    /// OSM-like polygons over the GeFolki patch (EPSG:32631): fields `class` (text) and `height` (number).
    static func polygons(in folder: String) throws -> String {
        func ring(_ points: [(Double, Double)]) -> String {
            "[[" + (points + [points[0]]).map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]]"
        }
        let features: [(String, Double, [(Double, Double)])] = [
            ("water", 2, [(400105, 5099800), (401333, 5099760), (401500, 5098123), (400070, 5098300)]),
            ("forest", 15.5, [(401000, 5098900), (403777, 5098500), (403300, 5096001), (401250, 5096600)]),
            ("urban", 30, [(402500, 5099900), (404300, 5099950), (404100, 5098700)]),
            ("forest", 11, [(400300, 5097500), (400900, 5095700), (400101, 5095650)]),
        ]
        let json = """
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32631"}},
         "features": [\(features.map { """
         {"type": "Feature", "properties": {"class": "\($0.0)", "height": \($0.1)}, "geometry": {"type": "Polygon", "coordinates": \(ring($0.2))}}
         """ }.joined(separator: ",\n"))]}
        """
        let path = folder + "/landcover.geojson"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func manifest(_ s2: String, labels: String) -> String {
        """
        {"name": "labels", "grid": {"crs": "EPSG:32631", "patchSize": 640, "blockCells": 3},
         "sensors": [
           {"name": "s2", "inputs": ["\(s2)"], "bands": ["b1", "b2", "b3"], "gsd": 10, "dtype": "f32"},
           {"name": "lc", "inputs": ["\(labels)"], "bands": ["class"], "gsd": 10, "dtype": "u8", "role": "label",
            "rasterize": {"attribute": "class", "classes": {"urban": 3, "water": 1, "forest": 2}, "allTouched": true, "background": 0}},
           {"name": "height", "inputs": ["\(labels)"], "bands": ["h"], "gsd": 20, "dtype": "f32", "role": "label",
            "rasterize": {"attribute": "height", "background": -1}}],
         "splits": {"fractions": {"train": 1}}}
        """
    }

    /// `gdal_rasterize` of one patch, pass by pass, as DATASETS.md says.
    static func reference(_ source: String, rule: RasterizeRule, box: [Double], gsd: Double, type: String, folder: String) throws -> [Double] {
        let out = folder + "/ref-\(UUID().uuidString).tif"
        for (i, pass) in rule.passes.enumerated() {
            let create = i == 0 ? ["-init", "\(rule.background)", "-te"] + box.map { "\($0)" } + ["-tr", "\(gsd)", "\(gsd)", "-ot", type, "-a_srs", "EPSG:32631"] : []
            try TestEnvironment.check("gdal_rasterize", ["-q"] + create + pass + [source, out])
        }
        return try Raster(path: out).read(as: Double.self)
    }

    @Test("Class tables and numeric attributes burn as gdal_rasterize does, patch by patch; polygons in WGS 84 are reprojected first")
    func rasterizedLabels() throws {
        guard TestEnvironment.hasRealData else { print("notice: GEOPAIRS_REAL_DATA unset; vector label test skipped"); return }
        let folder = TestEnvironment.temporaryDirectory()
        let labels = try Self.polygons(in: folder)
        let wgs84 = folder + "/landcover-wgs84.geojson"
        try TestEnvironment.check("ogr2ogr", ["-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "COORDINATE_PRECISION=15", wgs84, labels])
        let s2 = TestEnvironment.real("gefolki_s2_patch11.tif")
        let manifestText = Self.manifest(s2, labels: labels)
        let rules = try ManifestParser.parse(Data(manifestText.utf8), file: "m.json").sensors.map(\.rasterize)
        for source in [labels, wgs84] {
            let dataset = try Fixtures.build(Fixtures.manifestFile(Self.manifest(s2, labels: source)))
            let reader = try DatasetReader(directory: dataset)
            var classes: Set<Double> = []
            var checked = 0
            // Against the reprojected file for the WGS 84 source: what our copy does, done by ogr2ogr.
            var reference = source
            if source == wgs84 {
                reference = folder + "/back-\(UUID().uuidString).geojson"
                try TestEnvironment.check("ogr2ogr", ["-f", "GeoJSON", "-t_srs", "EPSG:32631", reference, wgs84])
            }
            for location in reader.locations() {
                let meta = try reader.metadata(at: location)
                let f = meta.footprint.corners
                for (sensor, rule, gsd, type) in [("lc", rules[1]!, 10.0, "Byte"), ("height", rules[2]!, 20.0, "Float32")] {
                    let ours = try Fixtures.values(reader, location, sensor: sensor)
                    let theirs = try Self.reference(reference, rule: rule, box: f, gsd: gsd, type: type, folder: folder)
                    let differing = zip(ours, theirs).filter { $0 != $1 }.count
                    #expect(ours == theirs, "\(meta.key) \(sensor) from \(source): \(differing) of \(ours.count) pixels differ")
                    if sensor == "lc" { classes.formUnion(ours) }
                    checked += 1
                }
            }
            #expect(checked >= 40 && classes == [0, 1, 2, 3], "\(checked) \(classes)")
        }
    }

    @Test("Rasterize rules that cannot work are manifest problems")
    func badRules() {
        func problems(_ rule: String, bands: String = #"["class"]"#) -> String {
            let json = """
            {"name": "x", "grid": {"crs": "EPSG:32631", "patchSize": 640},
             "sensors": [{"name": "lc", "inputs": ["/x.geojson"], "bands": \(bands), "gsd": 10, "dtype": "u8", "rasterize": \(rule)}]}
            """
            do { _ = try ManifestParser.parse(Data(json.utf8), file: "m.json"); return "" } catch { return "\(error)" }
        }
        #expect(problems(#"{"classes": {"a": 1}}"#).contains("needs the attribute"))
        #expect(problems(#"{}"#).contains("give \"attribute\""))
        #expect(problems(#"{"attribute": "c", "burn": 1}"#).contains("not both"))
        #expect(problems(#"{"attribute": "c", "classes": {"a": "one"}}"#).contains("$.sensors[0].rasterize.classes.a"))
        #expect(problems(#"{"burn": 1}"#, bands: #"["a", "b"]"#).contains("one band"))
        #expect(problems(#"{"burn": 1}"#) == "")
    }
}
