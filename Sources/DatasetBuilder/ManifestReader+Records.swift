import Foundation
import GeoRaster
import ShardFormat

/// What becomes a record and how it is stored: `pairing`, `attributes`, `splits`, `sharding`, `compression`.
extension ManifestReader {
    func pairingConfig(_ v: JSONValue?, sensors: [SensorConfig]?) -> Pairing? {
        let names = sensors?.map(\.name) ?? []
        guard let v else { return Pairing(require: names, minSensors: names.count) }
        guard let o = object(v, at: "$.pairing", ManifestSchema.pairing) else { return nil }
        let require = o.strings("require") ?? (o["minSensors"] == nil ? names : [])
        for (i, r) in require.enumerated() where sensors != nil && !names.contains(r) {
            o.problem("require[\(i)]", "no sensor named \"\(r)\" (sensors: \(names.joined(separator: ", ")))")
        }
        let minSensors = o.integer("minSensors", in: 1...max(1, names.count)) ?? max(1, require.count)
        return Pairing(require: require, minSensors: minSensors)
    }

    func attributeSources(_ v: JSONValue?, sensors: [SensorConfig]?) -> [AttributeSource] {
        guard let v else { return [] }
        guard case .array(let items) = v else { problem("$.attributes", "expected an array, found \(Self.kind(v))"); return [] }
        var out: [AttributeSource] = []
        for (i, item) in items.enumerated() {
            let p = "$.attributes[\(i)]"
            guard let o = object(item, at: p, ManifestSchema.attributeSource) else { continue }
            let sensor = o.string("sensor", required: true), file = o.string("file", required: true)
            let fields = o.strings("fields") ?? []
            if fields.isEmpty { o.problem("fields", "expected the names of the JSON fields to copy") }
            if let sensor, let sensors, !sensors.contains(where: { $0.name == sensor }) { o.problem("sensor", "no sensor named \"\(sensor)\"") }
            if let sensor, let file { out.append(AttributeSource(sensor: sensor, file: file, fields: fields)) }
        }
        return out
    }

    func splitConfig(_ v: JSONValue?, grid: GridConfig?) -> SplitConfig? {
        let stride = grid?.stride ?? 1
        guard let v else {
            return SplitConfig(blockSize: stride * 10, fractions: [("train", 0.8), ("val", 0.1), ("test", 0.1)], seed: 0, buffer: 0)
        }
        guard let o = object(v, at: "$.splits", ManifestSchema.splits) else { return nil }
        let blockSize = o.number("blockSize", positive: true) ?? stride * 10
        if let grid, blockSize < grid.patchSize {
            o.problem("blockSize", "must be at least the patch size (\(grid.patchSize)) so that a block can hold a whole patch")
        }
        var fractions: [(String, Double)] = []
        if let f = o["fractions"] {
            if let fo = object(f, at: "$.splits.fractions", allowed: Set(f.objectKeys)) {
                let order = ["train", "val", "test"]
                for key in fo.keys.sorted(by: { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }) {
                    guard let n = fo.number(key, required: true, in: 0...1) else { continue }
                    if !key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { fo.problem(key, "split names use letters, digits and _") }
                    fractions.append((key, n))
                }
                let sum = fractions.reduce(0) { $0 + $1.1 }
                if abs(sum - 1) > 1e-9 { o.problem("fractions", "fractions add up to \(sum), expected 1") }
            }
        } else {
            fractions = [("train", 0.8), ("val", 0.1), ("test", 0.1)]
        }
        let seed = o.integer("seed", in: 0...Int.max) ?? 0
        let buffer = o.number("buffer", in: 0...Double.greatestFiniteMagnitude) ?? 0
        return SplitConfig(blockSize: blockSize, fractions: fractions, seed: UInt64(seed), buffer: buffer)
    }

    func storage(_ sharding: JSONValue?, _ compression: JSONValue?, sensors: [SensorConfig]?) -> (ShardingOptions, EncodingOptions) {
        var shardOptions = ShardingOptions()
        if let sharding, let o = object(sharding, at: "$.sharding", ManifestSchema.sharding) {
            if let mb = o.number("targetMB", positive: true) { shardOptions.targetBytes = Int(mb * 1_000_000) }
            shardOptions.maxRecords = o.integer("maxRecords", in: 1...Int.max)
        }
        var encoding = EncodingOptions()
        if let compression, let o = object(compression, at: "$.compression", ManifestSchema.compression) {
            if let level = o.integer("level", in: 1...19) { encoding.level = Int32(level) }
            if let f = o["filters"], let fo = object(f, at: "$.compression.filters", allowed: Set(DType.allCases.map(\.rawValue))) {
                for key in fo.keys {
                    if let filter = fo.choice(key, FrameFilter.self), let dtype = DType(rawValue: key) {
                        encoding.filters[dtype] = filter
                    }
                }
            }
        }
        for s in sensors ?? [] { if let r = s.validRange { encoding.histogramRanges[s.name] = r } }
        return (shardOptions, encoding)
    }
}
