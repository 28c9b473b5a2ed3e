import Foundation
import GeoRaster
import ShardFormat

/// One asset of a STAC item: where its file is, and its grid when the item says (the
/// `projection` extension), so that planning need not open it.
struct StacAsset: Sendable {
    /// The href resolved against the item's location, as a GDAL path.
    var path: String
    var grid: StacGrid?
    /// Per band, the `raster` extension's nodata value.
    var nodata: [Double?]
}

/// A raster's grid as the `projection` extension gives it (`proj:epsg`/`proj:code`/`proj:wkt2`,
/// `proj:transform`, `proj:shape`).
struct StacGrid: Sendable {
    var crs: CRS
    var transform: GeoTransform
    var width: Int
    var height: Int
}

/// One STAC item: its identity, time, properties (for `where` filters) and assets.
struct StacItem: Sendable {
    var id: String
    /// Where the item's JSON was read (an ItemCollection's items share its file).
    var location: String
    var properties: [String: JSONValue]
    var assets: [String: StacAsset]
}

/// Reads STAC JSON wherever GDAL reaches: a FeatureCollection/ItemCollection, a single item, or a
/// static catalog or collection whose `item` and `child` links are followed. Every number taken
/// from the JSON is checked before use.
enum StacCatalog {
    /// The most items one input may list, and the deepest nesting of catalogs followed.
    static let maxItems = 2_000_000
    static let maxDepth = 32

    /// True for an input that names STAC JSON rather than a raster or folder.
    static func isStac(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".json") || lower.hasSuffix(".geojson")
    }

    /// The items under `location`, in the order the JSON lists them.
    /// - Throws: ``PlanError`` naming the file and what is wrong with it.
    static func items(at location: String) throws -> [StacItem] {
        var items: [StacItem] = []
        var visited: Set<String> = []
        var crsCache: [String: CRS] = [:]
        try collect(location, depth: 0, into: &items, visited: &visited, crsCache: &crsCache)
        return items
    }

    private static func collect(_ location: String, depth: Int, into items: inout [StacItem], visited: inout Set<String>,
                                crsCache: inout [String: CRS]) throws {
        guard visited.insert(location).inserted else { return }
        guard depth <= maxDepth else { throw PlanError(problems: ["\(location): catalogs nested deeper than \(maxDepth) levels"]) }
        let object = try readObject(location)
        let type = string(object["type"]) ?? ""
        switch type {
        case "FeatureCollection":
            guard case .array(let features)? = object["features"] else {
                throw PlanError(problems: ["\(location): a FeatureCollection without a \"features\" array"])
            }
            for (i, feature) in features.enumerated() {
                guard case .object(let o) = feature else { throw PlanError(problems: ["\(location): features[\(i)] is not an object"]) }
                items.append(try item(o, location: location, what: "\(location) features[\(i)]", crsCache: &crsCache))
                guard items.count <= maxItems else { throw PlanError(problems: ["\(location): more than \(maxItems) items"]) }
            }
        case "Feature":
            items.append(try item(object, location: location, what: location, crsCache: &crsCache))
        case "Catalog", "Collection":
            guard case .array(let links)? = object["links"] else { return }
            for link in links {
                guard case .object(let l) = link, let rel = string(l["rel"]), rel == "item" || rel == "child",
                      let href = string(l["href"]) else { continue }
                try collect(VirtualFileSystem.resolve(href, relativeTo: location), depth: depth + 1, into: &items,
                            visited: &visited, crsCache: &crsCache)
                guard items.count <= maxItems else { throw PlanError(problems: ["\(location): more than \(maxItems) items"]) }
            }
        default:
            throw PlanError(problems: ["\(location): not STAC JSON (type \"\(type)\"; expected FeatureCollection, Feature, Catalog or Collection)"])
        }
    }

    private static func readObject(_ location: String) throws -> [String: JSONValue] {
        let bytes: [UInt8]
        do { bytes = try VirtualFileSystem.read(location) } catch { throw PlanError(problems: ["\(error)"]) }
        guard case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw PlanError(problems: ["\(location): not a JSON object"])
        }
        return o
    }

    private static func item(_ o: [String: JSONValue], location: String, what: String, crsCache: inout [String: CRS]) throws -> StacItem {
        guard let id = string(o["id"]), !id.isEmpty else { throw PlanError(problems: ["\(what): an item without an \"id\""]) }
        guard case .object(let properties)? = o["properties"] else { throw PlanError(problems: ["\(what) (\(id)): no \"properties\" object"]) }
        guard case .object(let assetList)? = o["assets"] else { throw PlanError(problems: ["\(what) (\(id)): no \"assets\" object"]) }
        // An item read from its own file resolves hrefs against that file, one inside a collection
        // against the collection's (its `self` link, when given, wins).
        var base = location
        if case .array(let links)? = o["links"] {
            for case .object(let l) in links where string(l["rel"]) == "self" {
                if let href = string(l["href"]) { base = VirtualFileSystem.resolve(href, relativeTo: location) }
            }
        }
        var assets: [String: StacAsset] = [:]
        for (key, value) in assetList {
            guard case .object(let a) = value, let href = string(a["href"]) else {
                throw PlanError(problems: ["\(what) (\(id)): asset \"\(key)\" has no href"])
            }
            let grid = try self.grid(asset: a, item: properties, what: "\(what) (\(id)) asset \(key)", crsCache: &crsCache)
            var nodata: [Double?] = []
            if case .array(let bands)? = a["raster:bands"] {
                nodata = bands.map { band in
                    guard case .object(let b) = band else { return nil }
                    switch b["nodata"] {
                    case .number(let n)?: return n
                    case .string(let s)? where s.lowercased() == "nan": return .nan
                    default: return nil
                    }
                }
            }
            assets[key] = StacAsset(path: VirtualFileSystem.resolve(href, relativeTo: base), grid: grid, nodata: nodata)
        }
        return StacItem(id: id, location: base, properties: properties, assets: assets)
    }

    /// The asset's grid from `proj:*` fields (the asset's own, else the item's), or `nil` when they
    /// are not all there. Fields that are there but wrong are errors.
    private static func grid(asset: [String: JSONValue], item: [String: JSONValue], what: String,
                             crsCache: inout [String: CRS]) throws -> StacGrid? {
        func field(_ name: String) -> JSONValue? { asset[name] ?? item[name] }
        var crsText: String?
        if case .number(let n)? = field("proj:epsg") {
            guard let code = Int(exactly: n), (1...999_999).contains(code) else { throw PlanError(problems: ["\(what): proj:epsg \(n) is not an EPSG code"]) }
            crsText = "EPSG:\(code)"
        } else if let code = string(field("proj:code")) {
            crsText = code
        } else if let wkt = string(field("proj:wkt2")) {
            crsText = wkt
        }
        guard let crsText, case .array(let t)? = field("proj:transform"), case .array(let shape)? = field("proj:shape") else { return nil }
        let numbers = t.compactMap { if case .number(let n) = $0 { n } else { nil } }
        guard numbers.count == t.count, numbers.count == 6 || numbers.count == 9, numbers.allSatisfy(\.isFinite),
              numbers[0] != 0 || numbers[1] != 0, numbers[3] != 0 || numbers[4] != 0 else {
            throw PlanError(problems: ["\(what): proj:transform must be 6 or 9 finite numbers of an invertible affine transform"])
        }
        let sizes = shape.compactMap { if case .number(let n) = $0 { Int(exactly: n) } else { nil } }
        guard sizes.count == 2, shape.count == 2, sizes.allSatisfy({ (1...10_000_000).contains($0) }) else {
            throw PlanError(problems: ["\(what): proj:shape must be [rows, columns], each 1…10000000"])
        }
        let crs: CRS
        if let cached = crsCache[crsText] {
            crs = cached
        } else {
            do { crs = try CRS(crsText) } catch { throw PlanError(problems: ["\(what): \(error)"]) }
            crsCache[crsText] = crs
        }
        // proj:transform is [a, b, c, d, e, f] with x = a·col + b·row + c, y = d·col + e·row + f.
        let transform = GeoTransform([numbers[2], numbers[0], numbers[1], numbers[5], numbers[3], numbers[4]])
        return StacGrid(crs: crs, transform: transform, width: sizes[1], height: sizes[0])
    }

    private static func string(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }
}
