import CLICore
import Foundation
import ObjectStore
import ShardFormat
import ShardInspection

/// Prints a Codable value as sorted, pretty JSON.
func printJSON(_ value: some Encodable) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

/// Where a dataset's bytes come from: a local directory, or a bucket with the cache options.
func storage(_ location: String, _ a: Arguments) throws -> any DatasetStorage {
    try DatasetStorageOpener.open(location, cache: a.value("cache"), cacheSize: a.value("cache-size"), remoteTimeout: a.value("remote-timeout"))
}

func openReader(_ location: String, _ a: Arguments) throws -> DatasetReader {
    try DatasetReader(storage: try storage(location, a))
}

let dataset = DatasetLocationOptions.dataset
let key = Positional("KEY", "a record's key (see `inspect-shards ls`)")
let json = Option.flag("json", help: "print JSON instead of text")

let summary = Subcommand(
    name: "summary", summary: "records per split and sensor, bytes, compression, dates, CRSs, statistics",
    positionals: [dataset], options: [json] + DatasetLocationOptions.all,
    discussion: "Reads dataset.json and every record header (no pixels)."
) { a in
    let dir = a[positional: "DIR"]
    let s = try DatasetSummary(reader: try openReader(dir, a))
    if a.has("json") { try printJSON(s) } else { print(s.text, terminator: "") }
    return .success
}

let list = Subcommand(
    name: "ls", summary: "one line per record: key, split, footprint, sensors and valid fractions",
    positionals: [dataset],
    options: [.text("split", "S", help: "only records of split S"), .flag("json", help: "print a JSON array")] + DatasetLocationOptions.all
) { a in
    let reader = try openReader(a[positional: "DIR"], a)
    struct Row: Encodable { let key: String; let split: String; let footprint: BoundingBox; let validFraction: [String: Double] }
    var rows: [Row] = []
    for location in reader.locations(split: a.value("split")) {
        let m = try reader.metadata(at: location)
        let valid = Dictionary(m.sensors.map { ($0.sensor, $0.validFraction) }, uniquingKeysWith: { a, _ in a })
        if a.has("json") {
            rows.append(Row(key: m.key, split: m.split, footprint: m.footprint, validFraction: valid))
        } else {
            let fp = m.footprint.corners.map { String(format: "%.1f", $0) }.joined(separator: ",")
            let sensors = m.sensors.map { "\($0.sensor)=\(String(format: "%.2f", $0.validFraction))" }.joined(separator: " ")
            print("\(m.key)\t\(m.split)\t[\(fp)]\t\(sensors)")
        }
    }
    if a.has("json") { try printJSON(rows) }
    return .success
}

let show = Subcommand(
    name: "show", summary: "everything about one record",
    positionals: [dataset, key], options: [json] + DatasetLocationOptions.all,
    discussion: "Prints the record header and its frames (sizes, filters, offsets)."
) { a in
    let key = a[positional: "KEY"]
    let reader = try openReader(a[positional: "DIR"], a)
    guard let location = reader.locate(key: key) else { throw UsageError("no record with key \"\(key)\"") }
    let meta = try reader.metadata(at: location)
    let shard = reader.shards[location.shard]
    if a.has("json") { try printJSON(meta); return .success }
    print("record \(meta.key)  split \(meta.split)  cell \(meta.cell)  shard \(reader.index.shards[location.shard].file) #\(location.record)")
    print("  footprint \(meta.footprint) in \(meta.crs.abbreviated(to: 60))")
    for (k, v) in meta.attributes.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
    for s in meta.sensors {
        print("  sensor \(s.sensor): \(s.dtype.rawValue) \(s.shape.map(String.init).joined(separator: "×")) bands \(s.bands.joined(separator: ","))")
        print("    geotransform \(s.geotransform.coefficients)  valid \(String(format: "%.4f", s.validFraction))\(s.nodata.map { "  nodata \($0)" } ?? "")\(s.acquired.map { "  acquired \($0)" } ?? "")")
        let inputs = reader.index.inputs
        for (n, scene) in s.sources.enumerated() {
            let files = scene.map { inputs.indices.contains($0) ? inputs[$0].path : "input \($0) (not in dataset.json)" }
            print("    source \(n + 1): \(files.joined(separator: ", "))")
        }
        for kind in [FrameKind.data, .mask] {
            if let f = try shard.frame(record: location.record, sensor: s.sensor, kind: kind) {
                print("    \(kind) frame: \(f.size) B stored, \(f.rawSize) B raw (ratio \(String(format: "%.2f", Double(f.rawSize) / Double(max(1, f.size))))), filter \(f.filter.rawValue), offset \(f.offset)")
            }
        }
    }
    return .success
}

let verify = Subcommand(
    name: "verify", summary: "check every checksum, SHA-256 and the index; exit 0 only when all is sound",
    positionals: [dataset], options: [.flag("json", help: "print the report as JSON")] + DatasetLocationOptions.all,
    discussion: "Checks each shard's size and SHA-256 against dataset.json, the footer CRC-32, every record header's\nCRC-32 and every frame's CRC-32 and zstd checksum. Names each damaged shard and record."
) { a in
    let dir = a[positional: "DIR"]
    let progress = ProgressReporter(label: "verify: shards", total: nil)
    let report = DatasetVerifier.verify(storage: try storage(dir, a)) { done, total in progress.update(done: done, detail: "of \(total)") }
    if a.has("json") {
        struct Out: Encodable { let sound: Bool; let shards, records, frames, bytes: Int; let problems: [String] }
        try printJSON(Out(sound: report.isSound, shards: report.shardsChecked, records: report.recordsChecked,
                          frames: report.framesChecked, bytes: report.bytesChecked, problems: report.problems.map(\.description)))
    } else {
        for p in report.problems { print("DAMAGED \(p)") }
        print("\(report.isSound ? "sound" : "NOT SOUND"): \(report.shardsChecked) shards, \(report.recordsChecked) records, "
              + "\(report.framesChecked) frames, \(report.bytesChecked) bytes checked; \(report.problems.count) problem(s)")
    }
    return report.isSound ? .success : .failure
}

let stats = Subcommand(
    name: "stats", summary: "per-sensor per-band statistics table",
    positionals: [dataset],
    options: [.text("split", "S", help: "statistics of one split only"), json] + DatasetLocationOptions.all,
    discussion: "Valid-pixel count, mean, standard deviation, min, max and 2/98 % percentiles (from the histogram)."
) { a in
    let index = try DatasetIndex.load(storage: try storage(a[positional: "DIR"], a))
    let table: [String: [BandStatistics]]
    if let split = a.value("split") {
        guard let s = index.splitStatistics[split] else { throw UsageError("no split \"\(split)\"; splits: \(index.splits.keys.sorted())") }
        table = s
    } else {
        table = index.statistics
    }
    if a.has("json") { try printJSON(table); return .success }
    print("sensor     band          count         mean          std          min          max        p2        p98")
    for sensor in index.sensors {
        for (band, s) in zip(sensor.bands, table[sensor.name] ?? []) {
            func f(_ v: Double?) -> String { v.map { String(format: "%12.4g", $0) } ?? String(repeating: " ", count: 11) + "-" }
            print(sensor.name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + band.padding(toLength: 8, withPad: " ", startingAt: 0)
                  + String(format: "%12d", s.count) + " " + f(s.mean) + " " + f(s.standardDeviation) + " " + f(s.min) + " " + f(s.max)
                  + " " + f(s.percentile(0.02)) + " " + f(s.percentile(0.98)))
        }
    }
    return .success
}

let quicklook = Subcommand(
    name: "quicklook", summary: "PNG of a record's sensors side by side, 2–98 % stretched",
    positionals: [dataset, key],
    options: [
        .text("out", "FILE.png", help: "where to write the PNG", required: true),
        .text("bands", "SENSOR=B,B,B", help: "1-based bands shown as RGB (or one band as grey); default: the first three", repeatable: true),
        .integer("height", "PX", in: 16...4096, help: "panel height in pixels", default: 256),
    ] + DatasetLocationOptions.all
) { a in
    let out = a[text: "out"]
    var bands: [String: [Int]] = [:]
    for spec in a.all("bands") {
        let parts = spec.split(separator: "=", maxSplits: 1)
        let numbers = parts.count == 2 ? parts[1].split(separator: ",").compactMap { Int($0) } : []
        guard parts.count == 2, !numbers.isEmpty else { throw UsageError("--bands takes SENSOR=B,B,B, got \"\(spec)\"") }
        bands[String(parts[0])] = numbers
    }
    try QuickLook.render(reader: try openReader(a[positional: "DIR"], a), key: a[positional: "KEY"], bands: bands,
                         height: a[integer: "height"], output: out)
    print(out)
    return .success
}

let export = Subcommand(
    name: "export", summary: "one georeferenced GeoTIFF per sensor of a record",
    positionals: [dataset, key],
    options: [.text("out", "FOLDER", help: "where to write the GeoTIFFs", required: true)] + DatasetLocationOptions.all,
    discussion: "Writes FOLDER/<sensor>.tif with the record's geotransform, CRS, band names, nodata and mask,\nso the sensors can be overlaid in QGIS."
) { a in
    let reader = try openReader(a[positional: "DIR"], a)
    for path in try RecordExporter.export(reader: reader, key: a[positional: "KEY"], folder: a[text: "out"]) { print(path) }
    return .success
}

let footprints = Subcommand(
    name: "footprints", summary: "record footprints as GeoJSON or GeoPackage polygons",
    positionals: [dataset],
    options: [.text("out", "FILE.geojson|FILE.gpkg", help: "the vector file to write (its extension chooses the format)", required: true)]
        + DatasetLocationOptions.all,
    discussion: "Writes one polygon per record with key, split and sensors as attributes (through OGR)."
) { a in
    let dir = a[positional: "DIR"], out = a[text: "out"]
    let n = try FootprintExporter.export(reader: try openReader(dir, a), output: out)
    print("\(out): \(n) footprints")
    return .success
}

CommandLineTool(
    name: "inspect-shards", summary: "inspect, verify and export GeoPairs datasets",
    subcommands: [summary, list, show, verify, stats, quicklook, export, footprints]
).main()
