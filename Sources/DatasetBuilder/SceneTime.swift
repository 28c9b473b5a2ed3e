import Foundation
import ShardFormat

/// When a scene was acquired, from the best source there is: a metadata file beside it (the
/// scene's JSON, e.g. BigEarthNet's `acquisition_time`/`acquisition_date`, or a STAC item's
/// `properties.datetime`), then a `YYYYMMDDTHHMMSS` time in its name, then a `YYYYMMDD` date in
/// its name. Times are UTC; a metadata time with an offset is converted to UTC.
enum SceneTime {
    /// Metadata fields holding a time, in the order they are tried.
    static let fields = ["acquisition_time", "acquisition_date", "datetime", "start_datetime"]

    /// The scene's acquisition time, or `nil` when nothing says.
    /// - Parameters:
    ///   - path: the scene's file or folder.
    static func acquired(scene path: String, name: String) -> AcquisitionTime? {
        for file in metadataFiles(scene: path) {
            guard let data = FileManager.default.contents(atPath: file),
                  case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { continue }
            var objects = [o]
            if case .object(let properties)? = o["properties"] { objects.append(properties) }
            for object in objects {
                for field in fields {
                    if case .string(let text)? = object[field], let time = parse(text) { return time }
                }
            }
        }
        return fromName(name)
    }

    /// JSON files that may describe the scene: every `.json` in a scene folder; beside a file,
    /// `<name>.json` and `<name without extension>.json`.
    static func metadataFiles(scene path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        if isFolder.boolValue {
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            return children.filter { $0.lowercased().hasSuffix(".json") }.map { "\(path)/\($0)" }
        }
        return [path + ".json", (path as NSString).deletingPathExtension + ".json"]
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
