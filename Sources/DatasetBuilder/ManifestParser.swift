import Foundation
import GeoRaster
import ShardFormat

/// Reads a manifest, applies `--input NAME=PATH` overrides and validates every field, collecting all
/// problems with their JSON paths (see DATASETS.md, "Manifests").
public enum ManifestParser {
    /// The largest patch side in pixels (a 65536² patch of one u8 band is already 4 GiB).
    public static let maxPatchPixels = 65_536

    /// Parses and validates a manifest file.
    /// - Parameter inputs: `NAME=PATH` overrides: each replaces the named sensor's `inputs` (repeat
    ///   the same NAME to give several paths).
    public static func load(path: String, inputs: [String] = []) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError(file: path, problems: [ManifestProblem(path: "$", message: "cannot read the file")])
        }
        return try parse(data, file: path, inputs: inputs)
    }

    /// Parses and validates manifest JSON; relative paths are taken from the manifest's folder.
    public static func parse(_ data: Data, file: String, inputs: [String] = []) throws -> Manifest {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ManifestError(file: file, problems: [ManifestProblem(path: "$", message: "not valid JSON: \(Self.describe(error))")])
        }
        var reader = ManifestReader(baseDirectory: (file as NSString).deletingLastPathComponent)
        let overridden = reader.applyInputOverrides(document, inputs)
        let manifest = reader.manifest(overridden)
        if !reader.problems.isEmpty || manifest == nil {
            throw ManifestError(file: file, problems: reader.problems)
        }
        return manifest!
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        }
        return "\(error)"
    }
}

/// Walks the JSON and records problems; each accessor returns `nil` (after recording) when wrong.
struct ManifestReader {
    var problems: [ManifestProblem] = []
    let baseDirectory: String

    init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(ManifestProblem(path: path, message: message))
    }

    // MARK: typed accessors

    func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string(let s): "the string \"\(s.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    mutating func object(_ v: JSONValue?, _ path: String, allowed: Set<String>) -> [String: JSONValue]? {
        guard let v else { problem(path, "missing; expected an object"); return nil }
        guard case .object(let o) = v else { problem(path, "expected an object, found \(kind(v))"); return nil }
        for key in o.keys.sorted() where !allowed.contains(key) {
            problem("\(path).\(key)", "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return o
    }

    mutating func string(_ o: [String: JSONValue], _ key: String, _ path: String, required: Bool = true) -> String? {
        guard let v = o[key] else {
            if required { problem("\(path).\(key)", "missing; expected a string") }
            return nil
        }
        guard case .string(let s) = v, !s.isEmpty else { problem("\(path).\(key)", "expected a non-empty string, found \(kind(v))"); return nil }
        return s
    }

    mutating func number(_ o: [String: JSONValue], _ key: String, _ path: String, required: Bool = true,
                         positive: Bool = false, range: ClosedRange<Double>? = nil) -> Double? {
        guard let v = o[key] else {
            if required { problem("\(path).\(key)", "missing; expected a number") }
            return nil
        }
        guard case .number(let n) = v, n.isFinite else { problem("\(path).\(key)", "expected a number, found \(kind(v))"); return nil }
        if positive && !(n > 0) { problem("\(path).\(key)", "expected a positive number, found \(n)"); return nil }
        if let range, !range.contains(n) { problem("\(path).\(key)", "expected a number in \(range.lowerBound)…\(range.upperBound), found \(n)"); return nil }
        return n
    }

    mutating func integer(_ o: [String: JSONValue], _ key: String, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let n = number(o, key, path, required: false) else { return nil }
        guard n == n.rounded(), let i = Int(exactly: n), range.contains(i) else {
            problem("\(path).\(key)", "expected a whole number in \(range.lowerBound)…\(range.upperBound), found \(n)")
            return nil
        }
        return i
    }

    mutating func strings(_ v: JSONValue?, _ path: String) -> [String]? {
        guard let v else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else { problem("\(path)[\(i)]", "expected a string, found \(kind(item))"); continue }
                out.append(s)
            }
            return out
        default:
            problem(path, "expected a string or an array of strings, found \(kind(v))")
            return nil
        }
    }

    mutating func enumValue<T: RawRepresentable<String> & CaseIterable>(_ o: [String: JSONValue], _ key: String, _ path: String, _: T.Type) -> T? {
        guard let s = string(o, key, path, required: false) else { return nil }
        guard let v = T(rawValue: s) else {
            problem("\(path).\(key)", "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(s)\"")
            return nil
        }
        return v
    }

    /// An input path: absolute ones standardized; relative ones taken from the manifest's folder,
    /// keeping their own spelling after it, so that `dataset.json` can name them as written.
    func resolve(_ path: String) -> String {
        if VirtualFileSystem.isVirtual(path) { return VirtualFileSystem.gdalPath(path) }
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return baseDirectory.isEmpty ? relative : Self.standardized(baseDirectory) + "/" + relative
    }

    static func standardized(_ directory: String) -> String {
        URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL.path
    }

    // MARK: --input overrides

    mutating func applyInputOverrides(_ document: JSONValue, _ inputs: [String]) -> JSONValue {
        guard !inputs.isEmpty, case .object(var root) = document, case .array(var sensors)? = root["sensors"] else { return document }
        var given: [String: [String]] = [:]
        for (i, spec) in inputs.enumerated() {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                problem("--input[\(i)]", "expected NAME=PATH, found \"\(spec)\""); continue
            }
            let path = String(spec[spec.index(after: eq)...])
            let absolute = path.hasPrefix("/") || VirtualFileSystem.isVirtual(path)
            given[String(spec[..<eq]), default: []].append(absolute ? path : FileManager.default.currentDirectoryPath + "/" + path)
        }
        var used: Set<String> = []
        for i in sensors.indices {
            guard case .object(var s) = sensors[i], case .string(let name)? = s["name"], let paths = given[name] else { continue }
            s["inputs"] = .array(paths.map { .string($0) })
            sensors[i] = .object(s)
            used.insert(name)
        }
        for name in given.keys.sorted() where !used.contains(name) {
            problem("--input \(name)=…", "no sensor named \"\(name)\" in the manifest")
        }
        root["sensors"] = .array(sensors)
        return .object(root)
    }

    // MARK: the manifest

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

    mutating func sensorList(_ v: JSONValue?) -> [SensorConfig]? {
        guard let v else { problem("$.sensors", "missing; expected an array of sensors"); return nil }
        guard case .array(let items) = v, !items.isEmpty else { problem("$.sensors", "expected a non-empty array, found \(kind(v))"); return nil }
        var out: [SensorConfig] = []
        var names: Set<String> = []
        for (i, item) in items.enumerated() {
            guard let s = sensor(item, "$.sensors[\(i)]") else { continue }
            if !names.insert(s.name).inserted { problem("$.sensors[\(i)].name", "duplicate sensor name \"\(s.name)\"") }
            out.append(s)
        }
        return out.count == items.count ? out : nil
    }

    mutating func sensor(_ v: JSONValue, _ path: String) -> SensorConfig? {
        guard let o = object(v, path, allowed: ["name", "description", "inputs", "bands", "gsd", "dtype", "resampling", "nodata",
                                                 "validRange", "maxInvalidFraction", "cloudMask", "role", "assets", "where", "time", "rasterize"]) else { return nil }
        let name = string(o, "name", path)
        if let name, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            problem("\(path).name", "use letters, digits, - and _ only")
        }
        let inputs = strings(o["inputs"], "\(path).inputs") ?? []
        if o["inputs"] == nil { problem("\(path).inputs", "missing; give paths or globs here or with --input \(name ?? "NAME")=PATH") }
        let bands = bandList(o["bands"], "\(path).bands")
        let gsd = number(o, "gsd", path, positive: true)
        var dtype: DType?
        if o["dtype"] == nil { problem("\(path).dtype", "missing; expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))") }
        else { dtype = enumValue(o, "dtype", path, DType.self) }
        let resampling = enumValue(o, "resampling", path, Resampling.self) ?? .bilinear
        let nodata = number(o, "nodata", path, required: false)
        var validRange: ClosedRange<Double>?
        if let r = o["validRange"] {
            if case .array(let items) = r, items.count == 2, case .number(let lo) = items[0], case .number(let hi) = items[1], lo < hi {
                validRange = lo...hi
            } else {
                problem("\(path).validRange", "expected [low, high] with low < high")
            }
        }
        let maxInvalid = number(o, "maxInvalidFraction", path, required: false, range: 0...1) ?? 0.5
        var cloud: CloudMask?
        if let c = o["cloudMask"], let co = object(c, "\(path).cloudMask", allowed: ["band", "values", "maxFraction"]) {
            let band = string(co, "band", "\(path).cloudMask")
            if let band, let bands, !bands.contains(where: { $0.name == band }) {
                problem("\(path).cloudMask.band", "\"\(band)\" is not one of the sensor's bands")
            }
            var values: [Double] = []
            if case .array(let items)? = co["values"] { values = items.compactMap { if case .number(let n) = $0 { n } else { nil } } }
            if values.isEmpty { problem("\(path).cloudMask.values", "expected a non-empty array of numbers") }
            let maxFraction = number(co, "maxFraction", "\(path).cloudMask", range: 0...1)
            if let band, let maxFraction { cloud = CloudMask(band: band, values: values, maxFraction: maxFraction) }
        }
        let role = string(o, "role", path, required: false) ?? "image"
        if role != "image" && role != "label" { problem("\(path).role", "expected \"image\" or \"label\", found \"\(role)\"") }
        var assets: [String: String] = [:]
        if let a = o["assets"], let ao = object(a, "\(path).assets", allowed: Set(bands?.map(\.name) ?? a.objectKeys)) {
            for key in ao.keys.sorted() { if let asset = string(ao, key, "\(path).assets") { assets[key] = asset } }
        }
        let filters = propertyFilters(o["where"], "\(path).where")
        let time = o["time"].flatMap { timeRule($0, "\(path).time") }
        let rasterize = o["rasterize"].flatMap { rasterizeRule($0, "\(path).rasterize") }
        if rasterize != nil, let bands, bands.count != 1 { problem("\(path).bands", "a rasterized sensor has one band, found \(bands.count)") }
        if rasterize != nil, time != nil { problem("\(path).time", "vector labels have no acquisition time to choose by") }
        guard let name, let bands, let gsd, let dtype else { return nil }
        return SensorConfig(name: name, inputs: inputs.map(resolve), bands: bands, gsd: gsd, dtype: dtype, resampling: resampling,
                            nodata: nodata, validRange: validRange, maxInvalidFraction: maxInvalid, cloudMask: cloud, role: role,
                            assets: assets, filters: filters, time: time, rasterize: rasterize)
    }

    mutating func rasterizeRule(_ v: JSONValue, _ path: String) -> RasterizeRule? {
        guard let o = object(v, path, allowed: ["attribute", "classes", "burn", "allTouched", "background", "layer"]) else { return nil }
        let attribute = string(o, "attribute", path, required: false)
        let burnValue = number(o, "burn", path, required: false)
        var allTouched = false
        if let a = o["allTouched"] {
            if case .bool(let b) = a { allTouched = b } else { problem("\(path).allTouched", "expected true or false, found \(kind(a))") }
        }
        let background = number(o, "background", path, required: false) ?? 0
        let layer = string(o, "layer", path, required: false)
        var burn: RasterizeRule.Burn?
        if let c = o["classes"] {
            guard let attribute else { problem("\(path).classes", "a class table needs the attribute its values come from"); return nil }
            guard case .object(let table) = c, !table.isEmpty else { problem("\(path).classes", "expected an object of attribute value: class id"); return nil }
            var entries: [RasterizeRule.ClassValue] = []
            for key in table.keys.sorted() {
                guard case .number(let id) = table[key]!, id.isFinite else { problem("\(path).classes.\(key)", "expected a number"); continue }
                entries.append(RasterizeRule.ClassValue(value: key, id: id))
            }
            // Burnt in id order (then value), so that which class wins an overlap does not depend on JSON key order.
            burn = .classes(attribute: attribute, table: entries.sorted { ($0.id, $0.value) < ($1.id, $1.value) })
        } else if let attribute {
            burn = .attribute(attribute)
        } else if let burnValue {
            burn = .constant(burnValue)
        }
        if burnValue != nil && attribute != nil { problem("\(path).burn", "give burn or attribute, not both") }
        guard let burn else { problem(path, "give \"attribute\" (numeric, or with \"classes\") or \"burn\""); return nil }
        return RasterizeRule(burn: burn, allTouched: allTouched, background: background, layer: layer)
    }

    // MARK: scene selection: where, time

    mutating func propertyFilters(_ v: JSONValue?, _ path: String) -> [PropertyFilter] {
        guard let v else { return [] }
        guard case .object(let o) = v else { problem(path, "expected an object of property: {comparison: value}, found \(kind(v))"); return [] }
        var out: [PropertyFilter] = []
        for property in o.keys.sorted() {
            let p = "\(path).\(property)"
            guard let conditions = object(o[property], p, allowed: Set(PropertyFilter.Comparison.allCases.map(\.rawValue))) else { continue }
            for key in conditions.keys.sorted() {
                // Unknown comparisons were reported by `object`.
                guard let comparison = PropertyFilter.Comparison(rawValue: key), let value = conditions[key] else { continue }
                switch (comparison, value) {
                case (.in, .array(let items)) where items.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }): break
                case (.in, _): problem("\(p).in", "expected an array of numbers or strings"); continue
                case (_, .number), (_, .string), (.eq, _), (.neq, _): break
                default: problem("\(p).\(key)", "expected a number or a string, found \(kind(value))"); continue
                }
                out.append(PropertyFilter(property: property, comparison: comparison, value: value))
            }
        }
        return out
    }

    mutating func timeRule(_ v: JSONValue, _ path: String) -> TimeRule? {
        guard let o = object(v, path, allowed: ["anchor", "maxDays", "pick", "timeSeries"]) else { return nil }
        let anchor = string(o, "anchor", path, required: false)
        let maxDays = number(o, "maxDays", path, required: false, range: 0...36_600)
        let steps = integer(o, "timeSeries", path, range: 1...366)
        if o["timeSeries"] != nil {
            if anchor == nil { problem("\(path).timeSeries", "a time series needs an anchor sensor: its steps are the scenes nearest the anchor's date") }
            if o["pick"] != nil { problem("\(path).pick", "give either pick or timeSeries (a time series keeps every step's scene)") }
            return steps.map { TimeRule(anchor: anchor, maxDays: maxDays, pick: .timeSeries, steps: $0) }
        }
        var pick = enumValue(o, "pick", path, TimeRule.Pick.self) ?? (anchor == nil ? .mosaic : .closest)
        if pick == .timeSeries { problem("\(path).pick", "for a time series give \"timeSeries\": K, the number of steps"); pick = .closest }
        if anchor == nil && maxDays != nil { problem("\(path).maxDays", "a window needs an anchor sensor to measure from") }
        if anchor == nil && pick == .closest { problem("\(path).pick", "\"closest\" needs an anchor sensor to be close to") }
        if anchor != nil && pick == .latest { problem("\(path).pick", "\"latest\" is for the anchor itself; a partner uses closest, leastCloudy or mosaic") }
        return TimeRule(anchor: anchor, maxDays: maxDays, pick: pick)
    }

    /// Anchors must be other sensors of the manifest, and anchors themselves (no chains).
    mutating func checkTimeRules(_ sensors: [SensorConfig]) {
        for (i, s) in sensors.enumerated() {
            guard let anchor = s.time?.anchor else { continue }
            if anchor == s.name { problem("$.sensors[\(i)].time.anchor", "a sensor cannot be its own anchor"); continue }
            guard let a = sensors.first(where: { $0.name == anchor }) else {
                problem("$.sensors[\(i)].time.anchor", "no sensor named \"\(anchor)\""); continue
            }
            if a.time?.anchor != nil { problem("$.sensors[\(i)].time.anchor", "\"\(anchor)\" has an anchor itself; anchors do not chain") }
        }
    }

    mutating func timeWindow(_ v: JSONValue?) -> TimeWindow? {
        guard let v, let o = object(v, "$.time", allowed: ["from", "to"]) else { return nil }
        func time(_ key: String) -> AcquisitionTime? {
            guard let text = string(o, key, "$.time", required: false) else { return nil }
            guard let t = SceneMetadata.parse(text) else { problem("$.time.\(key)", "expected an ISO 8601 date or time, found \"\(text)\""); return nil }
            return t
        }
        let window = TimeWindow(from: time("from"), to: time("to"))
        if let from = window.from, let to = window.to, from.seconds > to.seconds { problem("$.time", "from is after to") }
        return window
    }

    mutating func bandList(_ v: JSONValue?, _ path: String) -> [BandConfig]? {
        guard let v else { problem(path, "missing; expected an array of band names or {name, file, index, resampling}"); return nil }
        guard case .array(let items) = v, !items.isEmpty else { problem(path, "expected a non-empty array, found \(kind(v))"); return nil }
        var out: [BandConfig] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            if case .string(let name) = item { out.append(BandConfig(name: name)); continue }
            guard let o = object(item, p, allowed: ["name", "file", "index", "resampling"]) else { continue }
            guard let name = string(o, "name", p) else { continue }
            out.append(BandConfig(name: name, file: string(o, "file", p, required: false), index: integer(o, "index", p, range: 1...100_000),
                                  resampling: enumValue(o, "resampling", p, Resampling.self)))
        }
        if Set(out.map(\.name)).count != out.count { problem(path, "band names must be unique") }
        let separate = out.filter { $0.file != nil }.count
        if separate != 0 && separate != out.count { problem(path, "either every band names its own file (band-separate inputs) or none does") }
        return out.count == items.count ? out : nil
    }

    mutating func pairingConfig(_ v: JSONValue?, sensors: [SensorConfig]?) -> Pairing? {
        let names = sensors?.map(\.name) ?? []
        guard let v else { return Pairing(require: names, minSensors: names.count) }
        guard let o = object(v, "$.pairing", allowed: ["require", "minSensors"]) else { return nil }
        let require = strings(o["require"], "$.pairing.require") ?? (o["minSensors"] == nil ? names : [])
        for (i, r) in require.enumerated() where sensors != nil && !names.contains(r) {
            problem("$.pairing.require[\(i)]", "no sensor named \"\(r)\" (sensors: \(names.joined(separator: ", ")))")
        }
        let minSensors = integer(o, "minSensors", "$.pairing", range: 1...max(1, names.count)) ?? max(1, require.count)
        return Pairing(require: require, minSensors: minSensors)
    }

    mutating func attributeSources(_ v: JSONValue?, sensors: [SensorConfig]?) -> [AttributeSource] {
        guard let v else { return [] }
        guard case .array(let items) = v else { problem("$.attributes", "expected an array, found \(kind(v))"); return [] }
        var out: [AttributeSource] = []
        for (i, item) in items.enumerated() {
            let p = "$.attributes[\(i)]"
            guard let o = object(item, p, allowed: ["sensor", "file", "fields"]) else { continue }
            let sensor = string(o, "sensor", p), file = string(o, "file", p)
            let fields = strings(o["fields"], "\(p).fields") ?? []
            if fields.isEmpty { problem("\(p).fields", "expected the names of the JSON fields to copy") }
            if let sensor, let sensors, !sensors.contains(where: { $0.name == sensor }) { problem("\(p).sensor", "no sensor named \"\(sensor)\"") }
            if let sensor, let file { out.append(AttributeSource(sensor: sensor, file: file, fields: fields)) }
        }
        return out
    }

    mutating func splitConfig(_ v: JSONValue?, grid: GridConfig?) -> SplitConfig? {
        let stride = grid?.stride ?? 1
        guard let v else {
            return SplitConfig(blockSize: stride * 10, fractions: [("train", 0.8), ("val", 0.1), ("test", 0.1)], seed: 0, buffer: 0)
        }
        guard let o = object(v, "$.splits", allowed: ["blockSize", "fractions", "seed", "buffer"]) else { return nil }
        let blockSize = number(o, "blockSize", "$.splits", required: false, positive: true) ?? stride * 10
        if let grid, blockSize < grid.patchSize {
            problem("$.splits.blockSize", "must be at least the patch size (\(grid.patchSize)) so that a block can hold a whole patch")
        }
        var fractions: [(String, Double)] = []
        if let f = o["fractions"] {
            if let fo = object(f, "$.splits.fractions", allowed: Set(f.objectKeys)) {
                let order = ["train", "val", "test"]
                for key in fo.keys.sorted(by: { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }) {
                    guard let n = number(fo, key, "$.splits.fractions", range: 0...1) else { continue }
                    if !key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { problem("$.splits.fractions.\(key)", "split names use letters, digits and _") }
                    fractions.append((key, n))
                }
                let sum = fractions.reduce(0) { $0 + $1.1 }
                if abs(sum - 1) > 1e-9 { problem("$.splits.fractions", "fractions add up to \(sum), expected 1") }
            }
        } else {
            fractions = [("train", 0.8), ("val", 0.1), ("test", 0.1)]
        }
        let seed = integer(o, "seed", "$.splits", range: 0...Int.max) ?? 0
        let buffer = number(o, "buffer", "$.splits", required: false, range: 0...Double.greatestFiniteMagnitude) ?? 0
        return SplitConfig(blockSize: blockSize, fractions: fractions, seed: UInt64(seed), buffer: buffer)
    }

    mutating func storage(_ sharding: JSONValue?, _ compression: JSONValue?, sensors: [SensorConfig]?) -> (ShardingOptions, EncodingOptions) {
        var shardOptions = ShardingOptions()
        if let sharding, let o = object(sharding, "$.sharding", allowed: ["targetMB", "maxRecords"]) {
            if let mb = number(o, "targetMB", "$.sharding", required: false, positive: true) { shardOptions.targetBytes = Int(mb * 1_000_000) }
            shardOptions.maxRecords = integer(o, "maxRecords", "$.sharding", range: 1...Int.max)
        }
        var encoding = EncodingOptions()
        if let compression, let o = object(compression, "$.compression", allowed: ["level", "filters"]) {
            if let level = integer(o, "level", "$.compression", range: 1...19) { encoding.level = Int32(level) }
            if let f = o["filters"], let fo = object(f, "$.compression.filters", allowed: Set(DType.allCases.map(\.rawValue))) {
                for key in fo.keys.sorted() {
                    if let filter = enumValue(fo, key, "$.compression.filters", FrameFilter.self), let dtype = DType(rawValue: key) {
                        encoding.filters[dtype] = filter
                    }
                }
            }
        }
        for s in sensors ?? [] { if let r = s.validRange { encoding.histogramRanges[s.name] = r } }
        return (shardOptions, encoding)
    }
}

extension JSONValue {
    /// The keys of an object (empty for other values).
    var objectKeys: [String] {
        if case .object(let o) = self { return Array(o.keys) }
        return []
    }
}
