import Foundation
import GeoRaster
import ShardFormat

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
}

extension JSONValue {
    /// The keys of an object (empty for other values).
    var objectKeys: [String] {
        if case .object(let o) = self { return Array(o.keys) }
        return []
    }
}
