import Foundation
import GeoRaster
import ShardFormat

/// What is known about a scene beyond its pixels: its acquisition time, cloud cover and other
/// properties, from a metadata file beside it (the scene's JSON, e.g. BigEarthNet's
/// `acquisition_time`, or a STAC item's `properties`), its STAC item, or its name. Times are UTC;
/// a metadata time with an offset is converted to UTC.
enum SceneMetadata {
    /// Metadata fields holding a time, in the order they are tried.
    static let timeFields = ["acquisition_time", "acquisition_date", "datetime", "start_datetime"]
    /// Metadata fields holding a cloud cover in percent, in the order they are tried.
    static let cloudFields = ["eo:cloud_cover", "cloud_cover", "cloudy_pixel_percentage", "CLOUDY_PIXEL_PERCENTAGE"]

    /// The properties of the JSON files beside a scene: each file's top-level fields and its
    /// `properties` object (a STAC item's), the first file to give a field winning.
    static func properties(scene path: String) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for file in metadataFiles(scene: path) {
            guard let bytes = try? VirtualFileSystem.read(file, maxBytes: 16 << 20),
                  case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { continue }
            var merged = o
            if case .object(let properties)? = o["properties"] { merged.merge(properties) { top, _ in top } }
            out.merge(merged) { first, _ in first }
        }
        return out
    }

    /// The acquisition time from properties (see ``timeFields``), else from the name.
    static func acquired(_ properties: [String: JSONValue], name: String) -> AcquisitionTime? {
        for field in timeFields {
            if case .string(let text)? = properties[field], let time = parse(text) { return time }
        }
        return fromName(name)
    }

    /// The cloud cover in percent (0…100) from properties (see ``cloudFields``), if any.
    static func cloudCover(_ properties: [String: JSONValue]) -> Double? {
        for field in cloudFields {
            if case .number(let n)? = properties[field], (0...100).contains(n) { return n }
        }
        return nil
    }

    /// JSON files that may describe the scene: every `.json` in a scene folder; beside a file,
    /// `<name>.json` and `<name without extension>.json`.
    static func metadataFiles(scene path: String) -> [String] {
        guard let entry = try? VirtualFileSystem.stat(path) else { return [] }
        if entry.isDirectory {
            return VirtualFileSystem.list(path).filter { $0.lowercased().hasSuffix(".json") }.map { "\(path)/\($0)" }
        }
        let candidates = [path + ".json", (path as NSString).deletingPathExtension + ".json"]
        // Remote: asking for objects that are not there costs a request each; local stats are cheap.
        return VirtualFileSystem.isVirtual(path) ? candidates.filter { ((try? VirtualFileSystem.stat($0)) ?? nil) != nil } : candidates
    }

    /// ISO 8601 as metadata writes it: a date, or a date and time with `T` or a space, optional
    /// fractional seconds (dropped) and an optional `Z` or `±HH:MM` offset.
    static func parse(_ text: String) -> AcquisitionTime? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count > 19 else { return AcquisitionTime(iso: t) }
        let base = String(t.prefix(19))
        var rest = Substring(t.dropFirst(19))
        if rest.first == "." { rest = rest.drop { $0 == "." || $0.isNumber } }
        guard let time = AcquisitionTime(iso: base) else { return nil }
        if rest.isEmpty || rest == "Z" || rest == "z" { return time }
        let parts = rest.dropFirst().split(separator: ":")
        guard let sign = rest.first, sign == "+" || sign == "-", parts.count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60 else { return nil }
        let offset = Int64((h * 60 + m) * 60) * (sign == "+" ? 1 : -1)
        return AcquisitionTime(seconds: time.seconds - offset, isDateOnly: false)
    }

    /// `YYYYMMDDTHHMMSS` or a `YYYYMMDD` date in a name.
    static func fromName(_ name: String) -> AcquisitionTime? {
        let chars = Array(name)
        func digits(_ start: Int, _ n: Int) -> String? {
            guard start + n <= chars.count, chars[start..<(start + n)].allSatisfy(\.isNumber) else { return nil }
            return String(chars[start..<(start + n)])
        }
        for i in chars.indices where (i == 0 || !chars[i - 1].isNumber) {
            guard let d = digits(i, 8) else { continue }
            let date = "\(d.prefix(4))-\(d.dropFirst(4).prefix(2))-\(d.suffix(2))"
            guard let day = AcquisitionTime(iso: date), (1950...2100).contains(Int(d.prefix(4))!) else { continue }
            if i + 8 < chars.count, chars[i + 8] == "T", let t = digits(i + 9, 6), i + 15 == chars.count || !chars[i + 15].isNumber,
               let time = AcquisitionTime(iso: "\(date)T\(t.prefix(2)):\(t.dropFirst(2).prefix(2)):\(t.suffix(2))Z") {
                return time
            }
            if i + 8 == chars.count || !chars[i + 8].isNumber { return day }
        }
        return nil
    }
}
