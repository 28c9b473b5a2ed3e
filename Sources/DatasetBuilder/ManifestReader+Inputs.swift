import Foundation
import GeoRaster
import ShardFormat

/// `--input NAME=PATH`: replaces the named sensors' `inputs` before the manifest is read.
extension ManifestReader {
    func applyInputOverrides(_ document: JSONValue, _ inputs: [String]) -> JSONValue {
        guard !inputs.isEmpty, case .object(var root) = document, case .array(var sensors)? = root["sensors"] else { return document }
        var given: [String: [String]] = [:]
        for (i, spec) in inputs.enumerated() {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                problem("--input[\(i)]", "expected NAME=PATH, found \"\(spec)\""); continue
            }
            let path = String(spec[spec.index(after: eq)...])
            let absolute = path.hasPrefix("/") || VirtualFileSystem.isVirtual(path)
            given[String(spec[..<eq]), default: []].append(absolute ? path : FileManager.default.currentDirectoryPath + "/" + path)
        }
        var used: Set<String> = []
        for i in sensors.indices {
            guard case .object(var s) = sensors[i], case .string(let name)? = s["name"], let paths = given[name] else { continue }
            s["inputs"] = .array(paths.map { .string($0) })
            sensors[i] = .object(s)
            used.insert(name)
        }
        for name in given.keys.sorted() where !used.contains(name) {
            problem("--input \(name)=…", "no sensor named \"\(name)\" in the manifest")
        }
        root["sensors"] = .array(sensors)
        return .object(root)
    }
}
