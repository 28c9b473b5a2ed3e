import Foundation
import ShardFormat

/// What `inspect-shards summary` reports about a dataset.
public struct DatasetSummary: Codable, Sendable {
    public struct SensorSummary: Codable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var gsd: Double?
        /// Records holding this sensor, per split.
        public var records: [String: Int]
        public var rawBytes: Int
        public var compressedBytes: Int
        public var compressionRatio: Double
        public var meanValidFraction: Double
        /// Per band: name, mean, standard deviation, min, max.
        public var bands: [BandSummary]
    }

    public struct BandSummary: Codable, Sendable {
        public var name: String
        public var mean: Double
        public var std: Double
        public var min: Double
        public var max: Double
    }

    public var name: String
    public var directory: String
    public var records: Int
    public var splits: [String: Int]
    public var shards: Int
    public var bytes: Int
    public var sensors: [SensorSummary]
    /// Earliest and latest acquisition times found in records.
    public var acquired: [String]
    /// CRSs of the records' grids.
    public var crs: [String]
    /// Bytes of record headers (JSON with prefix and CRC) and of shard indexes (footer + trailer).
    public var headerBytes: Int
    public var indexBytes: Int

    /// Reads the index and every record header (not the pixels).
    public init(reader: DatasetReader) throws {
        let index = reader.index
        name = index.name
        directory = reader.directory
        splits = index.splits
        records = index.splits.values.reduce(0, +)
        shards = index.shards.count
        bytes = index.shards.reduce(0) { $0 + $1.bytes }
        var perSensor: [String: [String: Int]] = [:]
        var validSum: [String: Double] = [:]
        var times: [String] = []
        var crsSet: Set<String> = []
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            crsSet.insert(meta.crs.text)
            for s in meta.sensors {
                perSensor[s.sensor, default: [:]][meta.split, default: 0] += 1
                validSum[s.sensor, default: 0] += s.validFraction
                if let t = s.acquired { times.append(t) }
            }
        }
        headerBytes = reader.shards.reduce(0) { $0 + $1.overheadBytes.headers }
        indexBytes = reader.shards.reduce(0) { $0 + $1.overheadBytes.index }
        times.sort()
        acquired = times.isEmpty ? [] : [times.first!, times.last!]
        crs = crsSet.sorted()
        sensors = index.sensors.map { schema in
            let raw = index.shards.reduce(0) { $0 + ($1.sensorBytes[schema.name]?.raw ?? 0) }
            let compressed = index.shards.reduce(0) { $0 + ($1.sensorBytes[schema.name]?.compressed ?? 0) }
            let count = perSensor[schema.name]?.values.reduce(0, +) ?? 0
            let stats = index.statistics[schema.name] ?? []
            return SensorSummary(
                name: schema.name, dtype: schema.dtype.rawValue, shape: schema.shape, gsd: schema.gsd,
                records: perSensor[schema.name] ?? [:], rawBytes: raw, compressedBytes: compressed,
                compressionRatio: compressed > 0 ? Double(raw) / Double(compressed) : 0,
                meanValidFraction: count > 0 ? (validSum[schema.name] ?? 0) / Double(count) : 0,
                bands: zip(schema.bands, stats).map { BandSummary(name: $0, mean: $1.mean, std: $1.standardDeviation, min: $1.min, max: $1.max) })
        }
    }

    /// Human-readable text.
    public var text: String {
        var t = "dataset \(name) (\(directory))\n"
        t += "  records: \(records) in \(shards) shards, \(Format.bytes(bytes))\n"
        t += "  splits:  " + splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        if !acquired.isEmpty { t += "  acquired: \(acquired[0]) … \(acquired[1])\n" }
        if records > 0 {
            t += "  per record: \(headerBytes / records) B of header, \(indexBytes / records) B of index"
            t += String(format: " (%.1f %% of the shard bytes)\n", 100 * Double(headerBytes + indexBytes) / Double(max(1, bytes)))
        }
        t += "  grid CRS: \(crs.map { $0.count > 40 ? String($0.prefix(40)) + "…" : $0 }.joined(separator: ", "))\n"
        for s in sensors {
            let counts = s.records.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            t += "\n  sensor \(s.name): \(s.dtype) \(s.shape.map(String.init).joined(separator: "×"))"
            if let gsd = s.gsd { t += " at \(Format.number(gsd))" }
            t += "\n    records: \(counts.isEmpty ? "none" : counts); mean valid fraction \(String(format: "%.3f", s.meanValidFraction))\n"
            t += "    bytes: \(Format.bytes(s.rawBytes)) raw → \(Format.bytes(s.compressedBytes)) stored, ratio \(String(format: "%.2f", s.compressionRatio))\n"
            for b in s.bands {
                t += "    \(b.name.padding(toLength: 10, withPad: " ", startingAt: 0)) mean \(Format.number(b.mean)) std \(Format.number(b.std)) range \(Format.number(b.min))…\(Format.number(b.max))\n"
            }
        }
        return t
    }
}

/// Small number and size formatting shared by the inspection outputs.
enum Format {
    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }

    static func number(_ v: Double) -> String {
        if v.isNaN || v.isInfinite { return "\(v)" }
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: abs(v) >= 100 ? "%.1f" : "%.4g", v)
    }
}
