import Foundation
import GeoRaster
import ShardFormat

/// The manifest's root and its `grid` (CRS, patch size, stride, snap, area).
extension ManifestReader {
    mutating func manifest(_ document: JSONValue) -> Manifest? {
        guard let root = object(document, "$", allowed: ["name", "description", "grid", "sensors", "pairing", "attributes",
                                                          "splits", "sharding", "compression", "time"]) else { return nil }
        let name = string(root, "name", "$")
        if let name, !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            problem("$.name", "use letters, digits, - _ . only")
        }
        let sensors = sensorList(root["sensors"])
        let grid = gridConfig(root["grid"], sensors: sensors)
        let pairing = pairingConfig(root["pairing"], sensors: sensors)
        let attributes = attributeSources(root["attributes"], sensors: sensors)
        let splits = splitConfig(root["splits"], grid: grid)
        let (sharding, encoding) = storage(root["sharding"], root["compression"], sensors: sensors)
        let time = timeWindow(root["time"])
        if let sensors { checkTimeRules(sensors) }
        guard let name, let grid, let sensors, let pairing, let splits, problems.isEmpty else { return nil }
        return Manifest(name: name, grid: grid, sensors: sensors, pairing: pairing, attributes: attributes, splits: splits,
                        sharding: sharding, encoding: encoding, time: time, document: document,
                        directory: Self.standardized(baseDirectory))
    }

    mutating func gridConfig(_ v: JSONValue?, sensors: [SensorConfig]?) -> GridConfig? {
        let path = "$.grid"
        guard let o = object(v, path, allowed: ["crs", "patchSize", "stride", "snap", "scope", "anchor", "area", "blockCells", "errorThreshold"]) else { return nil }
        var crs: GridConfig.CRSChoice?
        if let text = string(o, "crs", path) {
            if text.lowercased() == "utm" {
                crs = .utm
            } else {
                do { crs = .fixed(try CRS(text)) } catch { problem("\(path).crs", "not a CRS GDAL understands: \(error.message)") }
            }
        }
        let patch = number(o, "patchSize", path, positive: true)
        let stride = number(o, "stride", path, required: false, positive: true) ?? patch
        let snap = number(o, "snap", path, required: false, positive: true) ?? stride
        if let patch, let stride, stride > patch { problem("\(path).stride", "a stride larger than the patch size leaves gaps between patches") }
        var scope = GridConfig.Scope.area
        switch string(o, "scope", path, required: false) ?? "area" {
        case "area": break
        case "scene":
            let anchor = string(o, "anchor", path) ?? ""
            if let sensors, !anchor.isEmpty, !sensors.contains(where: { $0.name == anchor }) {
                problem("\(path).anchor", "no sensor named \"\(anchor)\"")
            }
            scope = .scene(anchor: anchor)
        case let other: problem("\(path).scope", "expected \"area\" or \"scene\", found \"\(other)\"")
        }
        let area = areaConfig(o["area"], "\(path).area")
        // Default: blocks of about 768 px per side at the finest sensor. Each warp pays a fixed cost
        // (PROJ looks the transformation up in proj.db), so small patches need many cells per block;
        // large patches need few, so that two workers stay busy to the end of a modest area.
        let finest = sensors?.map(\.gsd).min() ?? 1
        let autoCells = patch.map { max(1, min(64, Int((768 / ($0 / finest)).rounded()))) } ?? 4
        let blockCells = integer(o, "blockCells", path, range: 1...64) ?? autoCells
        // GDAL takes any threshold; past a few pixels the approximation is no longer a resampling.
        let errorThreshold = number(o, "errorThreshold", path, required: false, range: 0...2) ?? 0
        if let patch, let stride, let sensors {
            for (i, s) in sensors.enumerated() {
                for (what, size) in [("patchSize", patch), ("stride", stride)] {
                    let pixels = size / s.gsd
                    if !(1...Double(ManifestParser.maxPatchPixels)).contains(pixels) {
                        problem("$.sensors[\(i)].gsd", "\(what) \(size) / gsd \(s.gsd) = \(pixels) pixels; a patch side must be 1…\(ManifestParser.maxPatchPixels) pixels")
                    } else if abs(pixels - pixels.rounded()) > 1e-9 * max(1, pixels) {
                        problem("$.sensors[\(i)].gsd", "\(what) \(size) / gsd \(s.gsd) = \(pixels) pixels is not a whole number")
                    }
                }
            }
        }
        guard let crs, let patch, let stride, let snap, let area else { return nil }
        return GridConfig(crs: crs, patchSize: patch, stride: stride, snap: snap, scope: scope, area: area, blockCells: blockCells,
                          errorThreshold: errorThreshold)
    }

    mutating func areaConfig(_ v: JSONValue?, _ path: String) -> GridConfig.Area? {
        guard let v else { return .coverage(intersection: true) }
        guard let o = object(v, path, allowed: ["bbox", "crs", "geojson", "coverage"]) else { return nil }
        if let box = o["bbox"] {
            guard case .array(let items) = box, items.count == 4,
                  case .number(let x0) = items[0], case .number(let y0) = items[1], case .number(let x1) = items[2], case .number(let y1) = items[3],
                  [x0, y0, x1, y1].allSatisfy(\.isFinite), x1 > x0, y1 > y0 else {
                problem("\(path).bbox", "expected [minX, minY, maxX, maxY] with min < max"); return nil
            }
            let crsText = string(o, "crs", path) ?? ""
            guard let crs = try? CRS(crsText) else {
                if !crsText.isEmpty { problem("\(path).crs", "not a CRS GDAL understands") }
                return nil
            }
            return .bbox(BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1), crs: crs)
        }
        if let file = string(o, "geojson", path, required: false) {
            let resolved = resolve(file)
            if !FileManager.default.fileExists(atPath: resolved) { problem("\(path).geojson", "file not found: \(resolved)"); return nil }
            return .geojson(path: resolved)
        }
        switch string(o, "coverage", path, required: false) ?? "intersection" {
        case "intersection": return .coverage(intersection: true)
        case "union": return .coverage(intersection: false)
        case let other: problem("\(path).coverage", "expected \"intersection\" or \"union\", found \"\(other)\""); return nil
        }
    }
}
