import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

enum Fixtures {
    /// Writes a manifest into a temporary folder and returns its path.
    static func manifestFile(_ json: String) -> String {
        let path = TestEnvironment.temporaryDirectory() + "/manifest.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }

    /// Builds a manifest in-process; returns the dataset directory.
    @discardableResult
    static func build(_ manifestPath: String, inputs: [String] = [], jobs: Int = 2, out: String? = nil) throws -> String {
        let out = out ?? TestEnvironment.temporaryDirectory() + "/dataset"
        let plan = try Planner.plan(try ManifestParser.load(path: manifestPath, inputs: inputs))
        _ = try BuildExecutor.build(plan: plan, output: out, jobs: jobs, restart: false)
        // Every dataset the tests build conforms to DATASETS.md's field tables.
        let problems = try TestEnvironment.indexProblems(out)
        #expect(problems.isEmpty, "\(problems)")
        return out
    }

    /// A sensor's array of a record as Double.
    static func values(_ reader: DatasetReader, _ location: DatasetReader.Location, sensor: String) throws -> [Double] {
        let meta = try reader.metadata(at: location)
        let s = meta.sensor(sensor)!
        let bytes = try reader.readArray(at: location, sensor: sensor, codec: ZstdCodec())
        return bytes.withUnsafeBytes { raw in (0..<(bytes.count / s.dtype.size)).map { s.dtype.value(in: raw, at: $0) } }
    }
}
