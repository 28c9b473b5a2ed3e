import Foundation
import GeoRaster
import ShardFormat

/// The manifest's root and its `grid` (CRS, patch size, stride, snap, area).
extension ManifestReader {
    func manifest(_ document: JSONValue) -> Manifest? {
        guard let root = object(document, at: "$", ManifestSchema.root) else { return nil }
        let name = root.string("name", required: true)
        _ = root.string("description")  // free text, but text
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

    func gridConfig(_ v: JSONValue?, sensors: [SensorConfig]?) -> GridConfig? {
        let path = "$.grid"
        guard let o = object(v, at: path, ManifestSchema.grid) else { return nil }
        var crs: GridConfig.CRSChoice?
        if let text = o.string("crs", required: true) {
            if text.lowercased() == "utm" {
                crs = .utm
            } else {
                do { crs = .fixed(try CRS(text)) } catch { o.problem("crs", "not a CRS GDAL understands: \(error.message)") }
            }
        }
        let patch = o.number("patchSize", required: true, positive: true)
        let stride = o.number("stride", positive: true) ?? patch
        let snap = o.number("snap", positive: true) ?? stride
        if let patch, let stride, stride > patch { o.problem("stride", "a stride larger than the patch size leaves gaps between patches") }
        var scope = GridConfig.Scope.area
        switch o.string("scope") ?? "area" {
        case "area": break
        case "scene":
            let anchor = o.string("anchor", required: true) ?? ""
            if let sensors, !anchor.isEmpty, !sensors.contains(where: { $0.name == anchor }) {
                o.problem("anchor", "no sensor named \"\(anchor)\"")
            }
            scope = .scene(anchor: anchor)
        case let other: o.problem("scope", "expected \"area\" or \"scene\", found \"\(other)\"")
        }
        let area = areaConfig(o["area"], "\(path).area")
        // Default: blocks of about 512 px per side at the finest sensor. Each warp pays a fixed cost,
        // so small patches need many cells per block; large patches need few, so that the workers
        // stay busy to the end of a modest area. 768 px left one core idle for the last of the
        // small-patch benchmark's 12 blocks (~1 s); 512 px (24 blocks) was 5-7 % faster there, as
        // fast on large patches, and peaked 30-50 MB lower (a smaller GDAL cache per block).
        let finest = sensors?.map(\.gsd).min() ?? 1
        let autoCells = patch.map { max(1, min(64, Int((512 / ($0 / finest)).rounded()))) } ?? 4
        let blockCells = o.integer("blockCells", in: 1...64) ?? autoCells
        // GDAL takes any threshold; past a few pixels the approximation is no longer a resampling.
        let errorThreshold = o.number("errorThreshold", in: 0...2) ?? 0
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

    func areaConfig(_ v: JSONValue?, _ path: String) -> GridConfig.Area? {
        guard let v else { return .coverage(intersection: true) }
        guard let o = object(v, at: path, ManifestSchema.area) else { return nil }
        if let box = o["bbox"] {
            guard case .array(let items) = box, items.count == 4,
                  case .number(let x0) = items[0], case .number(let y0) = items[1], case .number(let x1) = items[2], case .number(let y1) = items[3],
                  [x0, y0, x1, y1].allSatisfy(\.isFinite), x1 > x0, y1 > y0 else {
                o.problem("bbox", "expected [minX, minY, maxX, maxY] with min < max"); return nil
            }
            let crsText = o.string("crs", required: true) ?? ""
            guard let crs = try? CRS(crsText) else {
                if !crsText.isEmpty { o.problem("crs", "not a CRS GDAL understands") }
                return nil
            }
            return .bbox(BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1), crs: crs)
        }
        if let file = o.string("geojson") {
            let resolved = resolve(file)
            if !FileManager.default.fileExists(atPath: resolved) { o.problem("geojson", "file not found: \(resolved)"); return nil }
            return .geojson(path: resolved)
        }
        switch o.string("coverage") ?? "intersection" {
        case "intersection": return .coverage(intersection: true)
        case "union": return .coverage(intersection: false)
        case let other: o.problem("coverage", "expected \"intersection\" or \"union\", found \"\(other)\""); return nil
        }
    }
}
