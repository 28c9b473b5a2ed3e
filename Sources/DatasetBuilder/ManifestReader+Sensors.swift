import Foundation
import GeoRaster
import ShardFormat

/// `sensors`: each sensor's inputs, bands, type, filters and rasterize rule.
extension ManifestReader {
    func sensorList(_ v: JSONValue?) -> [SensorConfig]? {
        guard let v else { problem("$.sensors", "missing; expected an array of sensors"); return nil }
        guard case .array(let items) = v, !items.isEmpty else { problem("$.sensors", "expected a non-empty array, found \(Self.kind(v))"); return nil }
        var out: [SensorConfig] = []
        var names: Set<String> = []
        for (i, item) in items.enumerated() {
            guard let s = sensor(item, "$.sensors[\(i)]") else { continue }
            if !names.insert(s.name).inserted { problem("$.sensors[\(i)].name", "duplicate sensor name \"\(s.name)\"") }
            out.append(s)
        }
        return out.count == items.count ? out : nil
    }

    func sensor(_ v: JSONValue, _ path: String) -> SensorConfig? {
        guard let o = object(v, at: path, ManifestSchema.sensor) else { return nil }
        let name = o.string("name", required: true)
        _ = o.string("description")  // free text, but text
        if let name, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            o.problem("name", "use letters, digits, - and _ only")
        }
        let inputs = o.strings("inputs") ?? []
        if o["inputs"] == nil { o.problem("inputs", "missing; give paths or globs here or with --input \(name ?? "NAME")=PATH") }
        let bands = bandList(o["bands"], "\(path).bands")
        let gsd = o.number("gsd", required: true, positive: true)
        var dtype: DType?
        if o["dtype"] == nil { o.problem("dtype", "missing; expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))") }
        else { dtype = o.choice("dtype", DType.self) }
        let resampling = o.choice("resampling", Resampling.self) ?? .bilinear
        let nodata = o.number("nodata")
        var validRange: ClosedRange<Double>?
        if let r = o["validRange"] {
            if case .array(let items) = r, items.count == 2, case .number(let lo) = items[0], case .number(let hi) = items[1], lo < hi {
                validRange = lo...hi
            } else {
                o.problem("validRange", "expected [low, high] with low < high")
            }
        }
        let maxInvalid = o.number("maxInvalidFraction", in: 0...1) ?? 0.5
        var cloud: CloudMask?
        if let co = o.object("cloudMask", ManifestSchema.cloudMask) {
            let band = co.string("band", required: true)
            if let band, let bands, !bands.contains(where: { $0.name == band }) {
                co.problem("band", "\"\(band)\" is not one of the sensor's bands")
            }
            var values: [Double] = []
            if case .array(let items)? = co["values"] { values = items.compactMap { if case .number(let n) = $0 { n } else { nil } } }
            if values.isEmpty { co.problem("values", "expected a non-empty array of numbers") }
            let maxFraction = co.number("maxFraction", required: true, in: 0...1)
            if let band, let maxFraction { cloud = CloudMask(band: band, values: values, maxFraction: maxFraction) }
        }
        let role = o.string("role") ?? "image"
        if role != "image" && role != "label" { o.problem("role", "expected \"image\" or \"label\", found \"\(role)\"") }
        var assets: [String: String] = [:]
        if let a = o["assets"], let ao = object(a, at: "\(path).assets", allowed: Set(bands?.map(\.name) ?? a.objectKeys)) {
            for key in ao.keys { if let asset = ao.string(key, required: true) { assets[key] = asset } }
        }
        let filters = propertyFilters(o["where"], "\(path).where")
        let time = o["time"].flatMap { timeRule($0, "\(path).time") }
        let rasterize = o["rasterize"].flatMap { rasterizeRule($0, "\(path).rasterize") }
        if rasterize != nil, let bands, bands.count != 1 { o.problem("bands", "a rasterized sensor has one band, found \(bands.count)") }
        if rasterize != nil, time != nil { o.problem("time", "vector labels have no acquisition time to choose by") }
        guard let name, let bands, let gsd, let dtype else { return nil }
        return SensorConfig(name: name, inputs: inputs.map(resolve), bands: bands, gsd: gsd, dtype: dtype, resampling: resampling,
                            nodata: nodata, validRange: validRange, maxInvalidFraction: maxInvalid, cloudMask: cloud, role: role,
                            assets: assets, filters: filters, time: time, rasterize: rasterize)
    }

    func rasterizeRule(_ v: JSONValue, _ path: String) -> RasterizeRule? {
        guard let o = object(v, at: path, ManifestSchema.rasterize) else { return nil }
        let attribute = o.string("attribute")
        let burnValue = o.number("burn")
        var allTouched = false
        if let a = o["allTouched"] {
            if case .bool(let b) = a { allTouched = b } else { o.problem("allTouched", "expected true or false, found \(Self.kind(a))") }
        }
        let background = o.number("background") ?? 0
        let layer = o.string("layer")
        var burn: RasterizeRule.Burn?
        if let c = o["classes"] {
            guard let attribute else { o.problem("classes", "a class table needs the attribute its values come from"); return nil }
            guard case .object(let table) = c, !table.isEmpty else { o.problem("classes", "expected an object of attribute value: class id"); return nil }
            var entries: [RasterizeRule.ClassValue] = []
            for key in table.keys.sorted() {
                guard case .number(let id) = table[key]!, id.isFinite else { o.problem("classes.\(key)", "expected a number"); continue }
                entries.append(RasterizeRule.ClassValue(value: key, id: id))
            }
            // Burnt in id order (then value), so that which class wins an overlap does not depend on JSON key order.
            burn = .classes(attribute: attribute, table: entries.sorted { ($0.id, $0.value) < ($1.id, $1.value) })
        } else if let attribute {
            burn = .attribute(attribute)
        } else if let burnValue {
            burn = .constant(burnValue)
        }
        if burnValue != nil && attribute != nil { o.problem("burn", "give burn or attribute, not both") }
        guard let burn else { problem(path, "give \"attribute\" (numeric, or with \"classes\") or \"burn\""); return nil }
        return RasterizeRule(burn: burn, allTouched: allTouched, background: background, layer: layer)
    }


    func bandList(_ v: JSONValue?, _ path: String) -> [BandConfig]? {
        guard let v else { problem(path, "missing; expected an array of band names or {name, file, index, resampling}"); return nil }
        guard case .array(let items) = v, !items.isEmpty else { problem(path, "expected a non-empty array, found \(Self.kind(v))"); return nil }
        var out: [BandConfig] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            if case .string(let name) = item { out.append(BandConfig(name: name)); continue }
            guard let o = object(item, at: p, ManifestSchema.band) else { continue }
            guard let name = o.string("name", required: true) else { continue }
            out.append(BandConfig(name: name, file: o.string("file"), index: o.integer("index", in: 1...100_000),
                                  resampling: o.choice("resampling", Resampling.self)))
        }
        if Set(out.map(\.name)).count != out.count { problem(path, "band names must be unique") }
        let separate = out.filter { $0.file != nil }.count
        if separate != 0 && separate != out.count { problem(path, "either every band names its own file (band-separate inputs) or none does") }
        return out.count == items.count ? out : nil
    }
}
