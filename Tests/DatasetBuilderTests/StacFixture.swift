import Foundation
import GeoRaster
import ShardFormat
import TestSupport

/// A small STAC world made from the real GeFolki Sentinel-1/2 patch (448×448 at 10 m, EPSG:32631),
/// with known dates and cloud covers:
///
/// - `S2_20200110` (cloud 30 %) and `S2_20200120` (cloud 5 %): the whole patch, in one
///   FeatureCollection `s2.json` (assets `image`, 3 bands), hrefs relative to it;
/// - `S1_20200108` and `S1_20200122`: the whole patch; `S1_20200119`: its western 198 columns
///   (three 640 m cells of the grid the tests use), each an item file under `s1/items/` linked
///   from the static catalog `s1/catalog.json` (assets `data`, 2 bands), hrefs `../../cogs/…`.
///
/// Every file is a COG of 128×128 tiles under `cogs/` (so that blocks read different byte ranges),
/// named as a local build finds its dates.
struct StacFixture {
    let root: String
    var s2Collection: String { root + "/s2.json" }
    var s1Catalog: String { root + "/s1/catalog.json" }
    /// Every file of the fixture, relative to `root` (what an upload copies).
    var files: [String] = []

    static let s2Scenes: [(name: String, date: String, cloud: Double)] = [("S2_20200110", "2020-01-10T10:30:00Z", 30), ("S2_20200120", "2020-01-20T10:30:00Z", 5)]
    static let s1Scenes: [(name: String, date: String, columns: Int)] = [
        ("S1_20200108", "2020-01-08T17:40:00Z", 448), ("S1_20200119", "2020-01-19T17:40:00Z", 198), ("S1_20200122", "2020-01-22T17:40:00Z", 448),
    ]

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/cogs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/s1/items", withIntermediateDirectories: true)
        var s2Features: [JSONValue] = []
        for scene in Self.s2Scenes {
            let cog = "cogs/\(scene.name)T103000.tif"
            try TestEnvironment.check("gdal_translate", ["-q", "-of", "COG", "-co", "BLOCKSIZE=128", TestEnvironment.real("gefolki_s2_patch11.tif"), root + "/" + cog])
            s2Features.append(try Self.item(id: scene.name, date: scene.date, properties: ["eo:cloud_cover": .number(scene.cloud)],
                                            assets: ["image": (cog, root + "/" + cog)]))
            files.append(cog)
        }
        try Self.write(.object(["type": .string("FeatureCollection"), "features": .array(s2Features)]), to: s2Collection)
        files.append("s2.json")
        var links: [JSONValue] = []
        for scene in Self.s1Scenes {
            let cog = "cogs/\(scene.name)T174000.tif"
            try TestEnvironment.check("gdal_translate", ["-q", "-of", "COG", "-co", "BLOCKSIZE=128", "-srcwin", "0", "0", "\(scene.columns)", "448",
                                                         TestEnvironment.real("gefolki_s1_patch11.tif"), root + "/" + cog])
            let item = try Self.item(id: scene.name, date: scene.date, properties: ["sat:orbit_state": .string("descending")],
                                     assets: ["data": ("../../" + cog, root + "/" + cog)])
            try Self.write(item, to: root + "/s1/items/\(scene.name).json")
            links.append(.object(["rel": .string("item"), "href": .string("items/\(scene.name).json")]))
            files += [cog, "s1/items/\(scene.name).json"]
        }
        try Self.write(.object(["type": .string("Catalog"), "stac_version": .string("1.0.0"), "id": .string("s1"),
                                "description": .string("GeFolki S1"), "links": .array(links)]), to: s1Catalog)
        files.append("s1/catalog.json")
    }

    /// A STAC item with the projection extension filled from the file itself.
    static func item(id: String, date: String, properties: [String: JSONValue], assets: [String: (href: String, file: String)]) throws -> JSONValue {
        var props = properties
        props["datetime"] = .string(date)
        var assetObjects: [String: JSONValue] = [:]
        for (key, asset) in assets {
            let raster = try Raster(path: asset.file)
            let gt = try raster.geoTransform.coefficients
            assetObjects[key] = .object([
                "href": .string(asset.href), "type": .string("image/tiff; application=geotiff; profile=cloud-optimized"),
                "proj:epsg": .number(Double(try raster.crs.epsg ?? 0)),
                "proj:transform": .array([gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]].map { .number($0) }),
                "proj:shape": .array([.number(Double(raster.height)), .number(Double(raster.width))]),
            ])
        }
        return .object(["type": .string("Feature"), "stac_version": .string("1.0.0"), "id": .string(id),
                        "properties": .object(props), "assets": .object(assetObjects),
                        "geometry": .null, "links": .array([])])
    }

    static func write(_ value: JSONValue, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path))
    }

    /// A manifest over the fixture: S2 (anchor, `s2Time`) and S1 (`s1Time`) on 640 m cells of EPSG:32631.
    func manifest(s2Inputs: [String], s1Inputs: [String], s2Time: String = #"{"pick": "leastCloudy"}"#,
                  s1Time: String = #"{"anchor": "s2", "maxDays": 3, "pick": "closest"}"#, extra: String = "",
                  s2Where: String? = nil) -> String {
        func list(_ a: [String]) -> String { "[" + a.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return """
        {"name": "stac-pairs",
         "grid": {"crs": "EPSG:32631", "patchSize": 640, "blockCells": 3},
         "sensors": [
           {"name": "s2", "inputs": \(list(s2Inputs)), "bands": ["b1", "b2", "b3"], "assets": {"b1": "image", "b2": "image", "b3": "image"},
            "gsd": 10, "dtype": "f32", "time": \(s2Time)\(s2Where.map { ", \"where\": \($0)" } ?? "")},
           {"name": "s1", "inputs": \(list(s1Inputs)), "bands": ["vv", "vh"], "assets": {"vv": "data", "vh": "data"},
            "gsd": 10, "dtype": "f32", "time": \(s1Time)}
         ],
         "splits": {"fractions": {"train": 1}}\(extra),
         "sharding": {"maxRecords": 6}}
        """
    }
}
