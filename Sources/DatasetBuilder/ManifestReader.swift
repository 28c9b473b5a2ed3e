import Foundation
import GeoRaster
import ShardFormat

/// Walks a manifest's JSON section by section (one extension per section) and collects every
/// problem with its JSON path, so that all of them are reported at once.
final class ManifestReader {
    private(set) var problems: [ManifestProblem] = []
    let baseDirectory: String

    init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    func problem(_ path: String, _ message: String) {
        problems.append(ManifestProblem(path: path, message: message))
    }

    /// How a problem message names what it found instead.
    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string(let s): "the string \"\(s.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// `v` as an object of a section's fields; `nil` (after recording the problem) when it is
    /// missing or not an object. Unknown fields are recorded too, and the object is still returned.
    func object(_ v: JSONValue?, at path: String, _ section: ManifestSection) -> ManifestObject? {
        object(v, at: path, allowed: section.allowed)
    }

    /// `v` as an object whose keys are data (split names, dtypes, band names): only `allowed` keys.
    func object(_ v: JSONValue?, at path: String, allowed: Set<String>) -> ManifestObject? {
        guard let v else { problem(path, "missing; expected an object"); return nil }
        guard case .object(let fields) = v else { problem(path, "expected an object, found \(Self.kind(v))"); return nil }
        for key in fields.keys.sorted() where !allowed.contains(key) {
            problem("\(path).\(key)", "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return ManifestObject(fields: fields, path: path, reader: self)
    }

    /// A string, or an array of strings, as an array.
    func strings(_ v: JSONValue?, at path: String) -> [String]? {
        guard let v else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else { problem("\(path)[\(i)]", "expected a string, found \(Self.kind(item))"); continue }
                out.append(s)
            }
            return out
        default:
            problem(path, "expected a string or an array of strings, found \(Self.kind(v))")
            return nil
        }
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
}

/// One JSON object of the manifest and its path: typed accessors read a field, check it and record
/// a problem at `path.key` (returning `nil`) when it is wrong, or missing when `required`.
struct ManifestObject {
    let fields: [String: JSONValue]
    let path: String
    unowned let reader: ManifestReader

    subscript(key: String) -> JSONValue? { fields[key] }

    /// The keys, sorted (a fixed order for problems and for data-keyed objects).
    var keys: [String] { fields.keys.sorted() }

    func problem(_ key: String, _ message: String) { reader.problem("\(path).\(key)", message) }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let v = fields[key] else {
            if required { problem(key, "missing; expected a string") }
            return nil
        }
        guard case .string(let s) = v, !s.isEmpty else { problem(key, "expected a non-empty string, found \(ManifestReader.kind(v))"); return nil }
        return s
    }

    func number(_ key: String, required: Bool = false, positive: Bool = false, in range: ClosedRange<Double>? = nil) -> Double? {
        guard let v = fields[key] else {
            if required { problem(key, "missing; expected a number") }
            return nil
        }
        guard case .number(let n) = v, n.isFinite else { problem(key, "expected a number, found \(ManifestReader.kind(v))"); return nil }
        if positive && !(n > 0) { problem(key, "expected a positive number, found \(n)"); return nil }
        if let range, !range.contains(n) { problem(key, "expected a number in \(range.lowerBound)…\(range.upperBound), found \(n)"); return nil }
        return n
    }

    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let n = number(key) else { return nil }
        guard n == n.rounded(), let i = Int(exactly: n), range.contains(i) else {
            problem(key, "expected a whole number in \(range.lowerBound)…\(range.upperBound), found \(n)")
            return nil
        }
        return i
    }

    /// One of an enumeration's raw values.
    func choice<T: RawRepresentable<String> & CaseIterable>(_ key: String, _: T.Type) -> T? {
        guard let s = string(key) else { return nil }
        guard let v = T(rawValue: s) else {
            problem(key, "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(s)\"")
            return nil
        }
        return v
    }

    func strings(_ key: String) -> [String]? { reader.strings(fields[key], at: "\(path).\(key)") }

    /// A nested object of a section's fields (`nil` without a problem when absent).
    func object(_ key: String, _ section: ManifestSection) -> ManifestObject? {
        fields[key].flatMap { reader.object($0, at: "\(path).\(key)", section) }
    }
}

extension JSONValue {
    /// The keys of an object (empty for other values).
    var objectKeys: [String] {
        if case .object(let o) = self { return Array(o.keys) }
        return []
    }
}
