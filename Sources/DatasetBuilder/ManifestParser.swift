import Foundation
import GeoRaster
import ShardFormat

/// Reads a manifest, applies `--input NAME=PATH` overrides and validates every field, collecting all
/// problems with their JSON paths (see DATASETS.md, "Manifests").
public enum ManifestParser {
    /// The largest patch side in pixels (a 65536² patch of one u8 band is already 4 GiB).
    public static let maxPatchPixels = 65_536

    /// Parses and validates a manifest file.
    /// - Parameter inputs: `NAME=PATH` overrides: each replaces the named sensor's `inputs` (repeat
    ///   the same NAME to give several paths).
    public static func load(path: String, inputs: [String] = []) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError(file: path, problems: [ManifestProblem(path: "$", message: "cannot read the file")])
        }
        return try parse(data, file: path, inputs: inputs)
    }

    /// Parses and validates manifest JSON; relative paths are taken from the manifest's folder.
    public static func parse(_ data: Data, file: String, inputs: [String] = []) throws -> Manifest {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ManifestError(file: file, problems: [ManifestProblem(path: "$", message: "not valid JSON: \(Self.describe(error))")])
        }
        let reader = ManifestReader(baseDirectory: (file as NSString).deletingLastPathComponent)
        let overridden = reader.applyInputOverrides(document, inputs)
        let manifest = reader.manifest(overridden)
        if !reader.problems.isEmpty || manifest == nil {
            throw ManifestError(file: file, problems: reader.problems)
        }
        return manifest!
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        }
        return "\(error)"
    }
}
