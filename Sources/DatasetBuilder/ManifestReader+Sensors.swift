import Foundation
import GeoRaster
import ShardFormat

/// `sensors`: each sensor's inputs, bands, type, filters and rasterize rule.
extension ManifestReader {
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
}
