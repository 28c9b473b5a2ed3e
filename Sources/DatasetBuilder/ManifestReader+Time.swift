import Foundation
import GeoRaster
import ShardFormat

/// Scene selection: `where` filters on scene properties, the `time` window and per-sensor time rules.
extension ManifestReader {
    func propertyFilters(_ v: JSONValue?, _ path: String) -> [PropertyFilter] {
        guard let v else { return [] }
        guard case .object(let o) = v else { problem(path, "expected an object of property: {comparison: value}, found \(Self.kind(v))"); return [] }
        var out: [PropertyFilter] = []
        for property in o.keys.sorted() {
            let p = "\(path).\(property)"
            guard let conditions = object(o[property], at: p, allowed: Set(PropertyFilter.Comparison.allCases.map(\.rawValue))) else { continue }
            for key in conditions.keys {
                // Unknown comparisons were reported by `object`.
                guard let comparison = PropertyFilter.Comparison(rawValue: key), let value = conditions[key] else { continue }
                switch (comparison, value) {
                case (.in, .array(let items)) where items.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }): break
                case (.in, _): problem("\(p).in", "expected an array of numbers or strings"); continue
                case (_, .number), (_, .string), (.eq, _), (.neq, _): break
                default: problem("\(p).\(key)", "expected a number or a string, found \(Self.kind(value))"); continue
                }
                out.append(PropertyFilter(property: property, comparison: comparison, value: value))
            }
        }
        return out
    }

    func timeRule(_ v: JSONValue, _ path: String) -> TimeRule? {
        guard let o = object(v, at: path, ManifestSchema.timeRule) else { return nil }
        let anchor = o.string("anchor")
        let maxDays = o.number("maxDays", in: 0...36_600)
        let steps = o.integer("timeSeries", in: 1...366)
        if o["timeSeries"] != nil {
            if anchor == nil { o.problem("timeSeries", "a time series needs an anchor sensor: its steps are the scenes nearest the anchor's date") }
            if o["pick"] != nil { o.problem("pick", "give either pick or timeSeries (a time series keeps every step's scene)") }
            return steps.map { TimeRule(anchor: anchor, maxDays: maxDays, pick: .timeSeries, steps: $0) }
        }
        var pick = o.choice("pick", TimeRule.Pick.self) ?? (anchor == nil ? .mosaic : .closest)
        if pick == .timeSeries { o.problem("pick", "for a time series give \"timeSeries\": K, the number of steps"); pick = .closest }
        if anchor == nil && maxDays != nil { o.problem("maxDays", "a window needs an anchor sensor to measure from") }
        if anchor == nil && pick == .closest { o.problem("pick", "\"closest\" needs an anchor sensor to be close to") }
        if anchor != nil && pick == .latest { o.problem("pick", "\"latest\" is for the anchor itself; a partner uses closest, leastCloudy or mosaic") }
        return TimeRule(anchor: anchor, maxDays: maxDays, pick: pick)
    }

    /// Anchors must be other sensors of the manifest, and anchors themselves (no chains).
    func checkTimeRules(_ sensors: [SensorConfig]) {
        for (i, s) in sensors.enumerated() {
            guard let anchor = s.time?.anchor else { continue }
            if anchor == s.name { problem("$.sensors[\(i)].time.anchor", "a sensor cannot be its own anchor"); continue }
            guard let a = sensors.first(where: { $0.name == anchor }) else {
                problem("$.sensors[\(i)].time.anchor", "no sensor named \"\(anchor)\""); continue
            }
            if a.time?.anchor != nil { problem("$.sensors[\(i)].time.anchor", "\"\(anchor)\" has an anchor itself; anchors do not chain") }
        }
    }

    func timeWindow(_ v: JSONValue?) -> TimeWindow? {
        guard let v, let o = object(v, at: "$.time", ManifestSchema.timeWindow) else { return nil }
        func time(_ key: String) -> AcquisitionTime? {
            guard let text = o.string(key) else { return nil }
            guard let t = SceneMetadata.parse(text) else { o.problem(key, "expected an ISO 8601 date or time, found \"\(text)\""); return nil }
            return t
        }
        let window = TimeWindow(from: time("from"), to: time("to"))
        if let from = window.from, let to = window.to, from.seconds > to.seconds { problem("$.time", "from is after to") }
        return window
    }
}
