import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat

enum Fixtures {
    static let realDirectory: String? = {
        guard let dir = ProcessInfo.processInfo.environment["GEOPAIRS_REAL_DATA"], !dir.isEmpty else {
            print("notice: GEOPAIRS_REAL_DATA is unset; builder tests on the shared real rasters are skipped")
            return nil
        }
        return URL(fileURLWithPath: dir).standardizedFileURL.path
    }()
    static var hasRealData: Bool { realDirectory != nil }
    static func real(_ name: String) -> String { "\(realDirectory ?? "/nonexistent")/\(name)" }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let bigEarthNet: String? = {
        let dir = "\(repositoryRoot)/.cache/bigearthnet"
        guard FileManager.default.fileExists(atPath: "\(dir)/BigEarthNet-S2-Example") else {
            print("notice: BigEarthNet sample missing (run Scripts/setup.sh); its builder test is skipped")
            return nil
        }
        return dir
    }()
    static var hasBigEarthNet: Bool { bigEarthNet != nil }

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gpb-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a manifest into a temporary folder and returns its path.
    static func manifestFile(_ json: String) -> String {
        let path = temporaryDirectory() + "/manifest.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }

    /// Builds a manifest in-process; returns the dataset directory.
    @discardableResult
    static func build(_ manifestPath: String, inputs: [String] = [], jobs: Int = 2, out: String? = nil) throws -> String {
        let out = out ?? temporaryDirectory() + "/dataset"
        let plan = try Planner.plan(try ManifestParser.load(path: manifestPath, inputs: inputs))
        _ = try BuildExecutor.build(plan: plan, output: out, jobs: jobs, restart: false)
        return out
    }

    /// Runs a built executable of this package.
    static func run(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, errors: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(repositoryRoot)/.build/debug/\(product)")
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `gdalwarp` of a file onto a record's footprint at a sensor's resolution, with exact
    /// transformations (`-et 0`, as the builder uses); the output's bands as Double.
    static func gdalwarp(_ source: String, footprint: [Double], crs: String, gsd: Double, resampling: String, type: String) throws -> [Double] {
        let out = temporaryDirectory() + "/ref.tif"
        let r = try runTool("gdalwarp", ["-q", "-t_srs", crs, "-te"] + footprint.map { "\($0)" } + ["-tr", "\(gsd)", "\(gsd)",
                            "-r", resampling, "-ovr", "NONE", "-et", "0", "-ot", type, "-dstalpha", source, out])
        guard r == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: source]) }
        let raster = try Raster(path: out)
        return try raster.read(bands: Array(1..<raster.bandCount), as: Double.self)
    }

    static func runTool(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// A sensor's array of a record as Double.
    static func values(_ reader: DatasetReader, _ location: DatasetReader.Location, sensor: String) throws -> [Double] {
        let meta = try reader.metadata(at: location)
        let s = meta.sensor(sensor)!
        let bytes = try reader.readArray(at: location, sensor: sensor, codec: ZstdCodec())
        return bytes.withUnsafeBytes { raw in (0..<(bytes.count / s.dtype.size)).map { s.dtype.value(in: raw, at: $0) } }
    }
}
